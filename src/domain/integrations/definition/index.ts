export type * from './types';
export { parseIntegrationDefinition, DEFINITION_MAX_LENGTH } from './parse';
export { serializeIntegrationDefinition } from './serialize';
export { collectActionRefs, collectConnectionRefs, collectScopedConfigVarRefs, type ComponentRefAt, type ScopedConfigVarRefAt } from './refs';
export { isValidTimeZone, nextCronTick, parseCron, type CronParseResult, type CronSchedule } from './cron';
export { walkDefinitionSteps, walkSteps, type StepVisit } from './walk';
export { RESERVED_SCOPE_NAMES } from './step-rules';
export { FAN_OUT_DEFAULT_MAX_CONCURRENCY } from './schema';
export { COMPONENT_KEY_PATTERN, IDENTIFIER_PATTERN, STABLE_KEY_MAX_LENGTH, STABLE_KEY_PATTERN } from './schema';
