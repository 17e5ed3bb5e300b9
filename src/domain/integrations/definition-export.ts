import { InvalidInputError } from '../errors';
import { serializeIntegrationDefinition, type IntegrationDefinition } from './definition';
import { definitionToPrismatic } from './prismatic-yaml';
import { definitionMessages } from './tenant-check';

/** tenantflow's canonical YAML (docs/definition.md) or Prismatic's integration YAML (docs/prismatic-yaml.md). */
export type DefinitionFormat = 'TENANTFLOW' | 'PRISMATIC_YAML';

/** A definition as text in the format asked for; what Prismatic cannot express is an error naming each place. */
export function exportDefinition(def: IntegrationDefinition, format: DefinitionFormat): string {
  if (format === 'TENANTFLOW') return serializeIntegrationDefinition(def);
  const exported = definitionToPrismatic(def);
  if (!exported.ok) throw new InvalidInputError([{ field: 'format', messages: definitionMessages(exported.errors) }]);
  return exported.text;
}
