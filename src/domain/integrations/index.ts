// The integrations module's public surface (the definition format has its own: ./definition).
export {
  configDefinitionsOf,
  deleteIntegration,
  getIntegration,
  getIntegrationsByIds,
  importIntegration,
  listIntegrations,
  validateIntegrationDefinition,
  type ConfigDefinition,
  type ImportIntegrationInput,
  type Integration,
  type IntegrationFilter,
  type IntegrationSortField,
} from './integrations';
export {
  getIntegrationVersion,
  getIntegrationVersionsByIds,
  integrationVersionByNumber,
  latestAvailableVersion,
  listIntegrationVersions,
  publishIntegration,
  updateIntegrationVersionAvailability,
  type IntegrationVersion,
} from './versions';
export { findFlow, flowIdOf, flowsOf, getFlowsByIds, type FlowSchedule, type FlowTriggerType, type IntegrationFlowRecord } from './flows';
export { checkDefinitionText } from './check-definition-text';
export { checkDefinitionAgainstTenant, definitionMessages, type CheckedDefinition } from './tenant-check';
