// The module's surface; README.md beside this file states what it keeps true.
export {
  createInstance,
  deleteInstance,
  deployInstance,
  getInstance,
  getInstancesByIds,
  listInstances,
  updateInstance,
  updateInstanceConfigVariables,
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
export { inlineSlot, inlineTokenHolderId, type InstanceConfigVariableInput } from './config-values';
export { scheduleOf, SCHEDULE_TYPES } from './schedule-settings';
export {
  flowConfigsOf,
  getFlowConfigsByIds,
  integrationFlowKey,
  systemFlowConfigsOf,
  type InstanceFlowConfig,
  type InstanceFlowConfigView,
} from './flow-configs';
export { openWebhookToken, sealLegacyWebhookTokens } from './webhook-tokens';
export { setWebhookSignature, type SignatureChange } from './webhook-signature';
export { listInstancesPerParent, type InstanceParent } from './lists';
export type { VersionChoice } from './version-moves';
export { disconnectConnection, instanceConfigVariableUuid, type InstanceConfigVariableRef } from './connection-disconnect';
export { failedInstancesOf, upgradeableOf } from './instance-health';
export { addMissingSystemInstances, ensureSystemInstance, systemInstancesOf } from './system-instances';
export { scopedInputSourcesOf, type SealedInputSource } from './scoped-inputs';
