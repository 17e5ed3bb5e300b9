import type { InstanceConfigVariableRef } from '../../domain/instances';
import { decodeGlobalId } from '../../lib/global-id';
import { invalidIdError } from './ids';

const TYPE_NAME = 'InstanceConfigVariable';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/*
 * An InstanceConfigVariable is no row of its own: its id is base64 of `InstanceConfigVariable:<instance
 * uuid>:<variable uuid>` (instanceConfigVariableUuid), so a mutation finds the instance at once. Ids given out
 * before carried only the variable uuid (`InstanceConfigVariable:<variable uuid>`); they are still accepted.
 */

export const encodeInstanceConfigVariableId = (ref: { instanceId: string; variableId: string }) =>
  Buffer.from(`${TYPE_NAME}:${ref.instanceId}:${ref.variableId}`, 'utf8').toString('base64');

/** Decodes either id form; anything else is an input error naming `field`. */
export function instanceConfigVariableRefOf(globalId: string, field = 'id'): InstanceConfigVariableRef {
  const earlier = decodeGlobalId(globalId);
  if (earlier) {
    if (earlier.typeName !== TYPE_NAME) throw invalidIdError(field, globalId, TYPE_NAME);
    return { instanceId: null, variableId: earlier.id };
  }
  const text = globalId.length <= 200 ? Buffer.from(globalId, 'base64').toString('utf8') : '';
  const [typeName, instanceId, variableId, ...rest] = text.split(':');
  if (typeName !== TYPE_NAME || rest.length > 0 || !UUID.test(instanceId ?? '') || !UUID.test(variableId ?? '')) {
    throw invalidIdError(field, globalId, TYPE_NAME);
  }
  return { instanceId: instanceId!.toLowerCase(), variableId: variableId!.toLowerCase() };
}
