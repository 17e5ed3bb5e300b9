import { InvalidInputError } from '../errors';
import { serializeIntegrationDefinition, type IntegrationDefinition } from './definition';
import { definitionToPrismatic } from './prismatic-yaml';
import { definitionMessages } from './tenant-check';

/** tenantflow's canonical YAML (docs/definition.md) or Prismatic's integration YAML (docs/prismatic-yaml.md). */
export type DefinitionFormat = 'TENANTFLOW' | 'PRISMATIC_YAML';

/** The only Prismatic definition version written (and read): prism's `integrations:export` asks for it. */
export const PRISMATIC_DEFINITION_VERSION = 7;

/**
 * What a client asked for: `format` when given; else Prismatic's YAML when it names Prismatic's
 * `definitionVersion` (prism sends `version: 7`), else tenantflow's. Another version is an error naming it.
 */
export function requestedFormat(format: DefinitionFormat | null | undefined, version: number | null | undefined): DefinitionFormat {
  if (version != null && version !== PRISMATIC_DEFINITION_VERSION) {
    throw new InvalidInputError([{ field: 'version', messages: [`Only Prismatic's definitionVersion ${PRISMATIC_DEFINITION_VERSION} is written.`] }]);
  }
  return format ?? (version != null ? 'PRISMATIC_YAML' : 'TENANTFLOW');
}

/** A definition as text in the format asked for; what Prismatic cannot express is an error naming each place. */
export function exportDefinition(def: IntegrationDefinition, format: DefinitionFormat): string {
  if (format === 'TENANTFLOW') return serializeIntegrationDefinition(def);
  const exported = definitionToPrismatic(def);
  if (!exported.ok) throw new InvalidInputError([{ field: 'format', messages: definitionMessages(exported.errors) }]);
  return exported.text;
}
