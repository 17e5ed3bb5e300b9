import { isOrgUser } from '../../domain/actor';
import { oauth2TypeOf } from '../../domain/components';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../domain/errors';
import { OAUTH2_CALLBACK_PATH, startAuthorization } from '../../domain/oauth2/authorization';
import type { HolderTarget } from '../../domain/oauth2/holders';
import { describeValues, type Expression } from '../../domain/connections/expressions';
import { inlineSlot, scheduleOf, scopedInputSourcesOf, type ConfigVariableReport, type Instance } from '../../domain/instances';
import type { Context } from '../context';
import { actorOf } from '../lib/actor';
import { connectionOfScoped, requestDataKeys } from '../lib/connection-loaders';
import { requestLoader } from '../lib/loaders';

type Shape = { instance: Instance; report: ConfigVariableReport };

/**
 * The inputs of a connection config variable: an inline connection's own values, or, for one that uses an
 * organization's connection, that connection's global inputs and the customer's values for it (what a run
 * would use). PASSWORD values never leave (hasValue says one is set). Customer users do not see the values
 * of the organization's global inputs either: those belong to the vendor. Null for other config variables.
 */
export async function connectionInputsOf(ctx: Context, shape: Shape): Promise<Expression[] | null> {
  const { report } = shape;
  if (report.connection) return inlineInputs(ctx, shape);
  const scoped = report.scopedConfigVariable;
  if (!scoped) return null;
  const connection = await connectionOfScoped(ctx, scoped);
  const sources = await scopedSourcesLoader(ctx).load(shape);
  const described = await Promise.all(
    sources.map((source) =>
      describeValues(ctx.vault, requestDataKeys(ctx), {
        owner: source.owner,
        recordId: source.recordId,
        fields: connection.definition.inputs.filter((field) => source.inputs.has(field.key)),
        values: source.values,
      }),
    ),
  );
  const vendorOnly = !isOrgUser(actorOf(ctx));
  return connection.definition.inputs.map((field) => {
    const scope = scoped.inputScopes[field.key] ?? 'customer';
    const meta = JSON.stringify({ inputScope: scope });
    const found = described.flat().find((expression) => expression.name === field.key);
    if (!found) return { name: field.key, type: 'VALUE', value: null, hasValue: false, meta };
    return { ...found, value: vendorOnly && scope === 'org' ? null : found.value, meta };
  });
}

/** Values are sealed under `<config var key>/<input>`: described under those names, then named back. */
async function inlineInputs(ctx: Context, { instance, report }: Shape): Promise<Expression[]> {
  const connection = report.connection!;
  const key = report.configVar.key;
  const stored = report.stored?.kind === 'inline' ? report.stored.values : {};
  const slotOf = (input: string) => inlineSlot(instance.id, key, input).field;
  const all = await describeValues(ctx.vault, requestDataKeys(ctx), {
    owner: { orgId: instance.orgId, customerId: instance.customerId },
    recordId: instance.id,
    fields: connection.definition.inputs.map((field) => ({ ...field, key: slotOf(field.key) })),
    values: Object.fromEntries(Object.entries(stored).map(([input, sealed]) => [slotOf(input), sealed])),
  });
  return all.map((expression, i) => ({ ...expression, name: connection.definition.inputs[i]!.key }));
}

const scopedSourcesLoader = (ctx: Context) =>
  requestLoader(
    ctx,
    'instanceScopedInputSources',
    (shapes: readonly Shape[]) => scopedInputSourcesOf(ctx.db, shapes),
    (shape) => `${shape.instance.id}/${shape.report.configVar.key}`,
  );

/** What a config variable's value comes from, for `meta`; null for plain values. */
export function metaOf(report: ConfigVariableReport): Record<string, string> | null {
  const configVar = report.configVar;
  if (configVar.dataType === 'schedule') return scheduleOf(configVar, report.stored);
  if (configVar.dataType !== 'connection') return null;
  if (configVar.useScopedConfigVar !== undefined) {
    return { stableKey: configVar.useScopedConfigVar, variableScope: report.scopedConfigVariable?.variableScope ?? 'missing' };
  }
  return { component: configVar.connection!.component, connection: configVar.connection!.key };
}

/**
 * The provider URL that authorizes an OAuth 2.0 authorization-code connection: an inline one (the instance
 * holds the tokens) or the customer's values of an organization's connection. Starting one is what the
 * caller could do with startOAuth2Authorization; whatever refuses it (no client id yet, a caller who may not)
 * reads as null, never as an error in the middle of a config variable list.
 */
export async function authorizeUrlOf(ctx: Context, { instance, report }: Shape): Promise<string | null> {
  const connection = report.connection ?? (report.scopedConfigVariable ? await connectionOfScoped(ctx, report.scopedConfigVariable) : null);
  if (!connection || oauth2TypeOf(connection.definition) !== 'AUTHORIZATION_CODE') return null;
  const target: HolderTarget | null = report.connection
    ? { typeName: 'Instance', id: instance.id, configVariableKey: report.configVar.key }
    : report.customerConfigVariableId
      ? { typeName: 'CustomerConfigVariable', id: report.customerConfigVariableId }
      : null;
  if (!target) return null;
  try {
    const callbackUri = new URL(OAUTH2_CALLBACK_PATH, ctx.publicUrl).href;
    return (await startAuthorization(ctx.db, ctx.vault, actorOf(ctx), { target, redirectUri: null, callbackUri })).authorizeUrl;
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof NotFoundError || error instanceof ForbiddenError) return null;
    throw error;
  }
}
