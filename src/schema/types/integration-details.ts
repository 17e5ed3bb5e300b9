import { builder } from '../builder';
import { IntegrationFlow } from './integration-flow';
import { Integration } from './integration-node';

// Fields Prismatic clients read on integrations and flows that follow from what tenantflow stores.

builder.objectFields(Integration, (t) => ({
  isCodeNative: t.boolean({ description: 'Always false: integrations are definitions (YAML/JSON), never code.', resolve: () => false }),
  avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: 'Set with updateIntegration(avatarUrl).' }),
  overview: t.string({
    nullable: true,
    description: 'Always null: Prismatic sets it with the marketplace configuration, and tenantflow has no marketplace.',
    resolve: () => null,
  }),
}));

const EndpointSecurityType = builder.enumType('IntegrationFlowEndpointSecurityType', {
  values: ['CUSTOMER_OPTIONAL', 'CUSTOMER_REQUIRED', 'ORGANIZATION', 'UNSECURED'] as const,
});

builder.objectFields(IntegrationFlow, (t) => ({
  endpointSecurityType: t.field({
    type: EndpointSecurityType,
    description:
      "Always CUSTOMER_OPTIONAL: each instance's webhook URL carries its own secret token, and each instance flow may " +
      'also require an X-Signature secret (setWebhookSignature); nothing is set for all instances of the flow.',
    resolve: () => 'CUSTOMER_OPTIONAL' as const,
  }),
  stableId: t.string({
    description: "The flow's stable key: what identifies it across versions and renames (Prismatic's stableId).",
    resolve: (record) => record.flow.stableKey,
  }),
}));
