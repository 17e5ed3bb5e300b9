// Prismatic's integration YAML (definitionVersion 7) to and from tenantflow definitions: docs/prismatic-yaml.md.
export { isPrismaticDefinition, prismaticToDefinition, type PrismaticConversion } from './from-prismatic';
export { definitionToPrismatic, type PrismaticExport } from './to-prismatic';
export type { PathMap } from './path-map';
