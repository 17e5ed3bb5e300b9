// The component catalog's public surface; import from here rather than from the files behind it.
export { explicitApplyTarget, impliedApply, OAUTH2_ACCESS_TOKEN_KEY, oauth2TypeOf, requiredInputsFor } from './auth-kinds';
export type { OAuth2Type, RequiredConnectionInput } from './auth-kinds';
export { hostAllowed, impliedDestinationInputs, isHostPattern } from './destination';
export { findBuiltinComponent, loadBuiltinCatalog, loadCatalogDirectory } from './catalog';
export { componentDefinitionSchema, parseComponentDefinition } from './definition';
export { missingRequiredInputs, withInputDefaults } from './input-values';
export { formatPath } from './path';
export { resolveRequestUrl } from './request-url';
export { componentSignature } from './signature';
export { connectionFieldsRead, templateProblems, templateSyntaxError } from './templates';
export type { TemplateScope } from './templates';
export * from './types';
