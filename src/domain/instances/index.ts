/*
 * Instances: an integration deployed to one customer. What this module keeps true:
 * - An instance is *configured* against its integration's latest published version (the draft until the
 *   first publish) and *runs* its deployed version (definitions.ts). Config variable keys are checked
 *   against the configured one; deployInstance makes it the running one.
 * - Values are stored per config var key (ConfigVariableValue): plain values as text; connections that
 *   use an organization's connection as `{ kind: 'scoped', stableKey }`, bound automatically and never
 *   given a value; inline connection inputs sealed with the customer's data key in slot
 *   inlineSlot(instanceId, key, input). Secrets are never opened here; empty values are never stored.
 * - updateInstance replaces every value (omitted ones reset); updateInstanceConfigVariables merges. Both
 *   re-read the row under a lock, so concurrent updates lose nothing; bad input writes nothing.
 * - Every flow of the configured/deployed definitions has one instance_flow_configs row with a random
 *   32-byte webhook token; it keeps it across versions.
 * - configReportsOf is the one judge of "fully configured" (API, engine, explainCredential).
 */
export {
  createInstance,
  deleteInstance,
  deployInstance,
  getInstance,
  getInstancesByIds,
  listInstances,
  updateInstance,
  updateInstanceConfigVariables,
  newWebhookToken,
  visibleInstances,
  type CreateInstanceInput,
  type Instance,
  type InstanceFilter,
  type InstanceSortField,
  type UpdateInstanceInput,
} from './instances';
export { configStateOf, instanceDefinitionsOf, type InstanceDefinitions } from './definitions';
export {
  configReportsOf,
  reportConfig,
  type ConfigFacts,
  type ConfigProblem,
  type ConfigVariableReport,
  type ConfigVariableStatus,
  type InstanceConfigReport,
  type InstanceConfigState,
} from './config-state';
export { inlineSlot, type InstanceConfigVariableInput } from './config-values';
export { flowConfigsOf, getFlowConfigsByIds, type InstanceFlowConfig, type InstanceFlowConfigView } from './flow-configs';
export { listInstancesPerParent, type InstanceParent } from './lists';
