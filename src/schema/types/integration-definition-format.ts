import type { DefinitionFormat } from '../../domain/integrations/definition-export';
import { builder } from '../builder';

export const IntegrationDefinitionFormat = builder.enumType('IntegrationDefinitionFormat', {
  description: 'How `definition` is written; importIntegration reads both.',
  values: {
    TENANTFLOW: { description: "tenantflow's canonical YAML (docs/definition.md)." },
    PRISMATIC_YAML: {
      description: "Prismatic's integration YAML, definitionVersion 7 (docs/prismatic-yaml.md); an error names what it cannot express.",
    },
  } satisfies Record<DefinitionFormat, unknown>,
});
