import type { FieldErrors } from '../errors';
import type { IntegrationDefinition } from '../integrations/definition';
import { flowIdOf } from '../integrations/flows';

/**
 * Prismatic's InputInstanceFlowConfig. tenantflow keeps no per-flow settings an update could change: a
 * flow's schedule comes from its config variable, its webhook URL carries an unguessable token, and
 * signing is switched with setInstanceFlowConfigSignature (whose secret is shown once). So the entries are
 * checked (each names a flow of the instance, once) and `testPayload`, `testHeaders`, `testContentType`
 * and `usesLre` are accepted and keep nothing; API keys, which tenantflow does not check, are refused
 * rather than silently ignored.
 */
export type InstanceFlowConfigInput = { flowId: string; apiKeys?: readonly (string | null)[] | null };

const FIELD = 'flowConfigs';

export function checkFlowConfigInputs(
  integrationId: string,
  def: IntegrationDefinition,
  inputs: readonly InstanceFlowConfigInput[],
  errors: FieldErrors,
): void {
  const flowsById = new Map(def.flows.map((flow) => [flowIdOf(integrationId, flow.stableKey), flow]));
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const flow = flowsById.get(input.flowId);
    if (!flow) {
      errors.add(FIELD, `Entry ${i + 1}: flowId is not a flow of this instance's integration "${def.name}".`);
      return;
    }
    if (seen.has(input.flowId)) errors.add(FIELD, `Entry ${i + 1}: flow "${flow.name}" is given more than once.`);
    seen.add(input.flowId);
    if (input.apiKeys?.some((key) => key != null && key !== '')) {
      errors.add(
        FIELD,
        `Entry ${i + 1}: flow "${flow.name}" cannot take apiKeys: its webhook URL carries an unguessable token instead; ` +
          'require signed calls with setInstanceFlowConfigSignature.',
      );
    }
  });
}
