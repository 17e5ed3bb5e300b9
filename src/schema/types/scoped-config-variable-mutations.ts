import { createScopedConfigVariable, deleteScopedConfigVariable, updateScopedConfigVariable } from '../../domain/connections/scoped-config-variables';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf, optionalIdOf } from '../lib/ids';
import { InputExpression } from './expression';
import { ScopedConfigVariable } from './scoped-config-variable';
import { UserAuthenticationSettingsInput } from './user-authentication-settings';

builder.relayMutationField(
  'createScopedConfigVariable',
  {
    inputFields: (t) => ({
      key: t.string({ required: true, description: 'Display name.' }),
      stableKey: t.string({ required: true, description: 'Matches this connection across tenants; cannot be changed.' }),
      variableScope: t.string({ required: true, description: '"customer" (values per customer) or "org" (one global set).' }),
      managedBy: t.string({ description: '"org" (organization-activated, default) or "customer" (customer-activated).' }),
      connection: t.id({ description: 'The component Connection id.' }),
      customer: t.id(),
      description: t.string(),
      inputs: t.field({ type: [InputExpression], description: 'Global values (set once); inputs left out are per customer.' }),
      userAuthentication: t.field({ type: UserAuthenticationSettingsInput, description: 'Seed 002: user authentications (off by default).' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        scopedConfigVariable: await createScopedConfigVariable(ctx.db, ctx.vault, actorOf(ctx), {
          key: input.key,
          stableKey: input.stableKey,
          variableScope: input.variableScope,
          managedBy: input.managedBy,
          connectionId: optionalIdOf('Connection', input.connection, 'connection'),
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
          description: input.description,
          inputs: input.inputs,
          userAuthentication: input.userAuthentication,
        }),
      })),
  },
  { outputFields: payloadFields('scopedConfigVariable', ScopedConfigVariable) },
);

builder.relayMutationField(
  'updateScopedConfigVariable',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      key: t.string(),
      description: t.string(),
      inputs: t.field({ type: [InputExpression], description: 'Values for global inputs that have none yet; set values cannot change.' }),
      defaultForComponent: t.boolean(),
      userAuthentication: t.field({ type: UserAuthenticationSettingsInput, description: 'Seed 002: user authentications.' }),
    }),
  },
  {
    resolve: (_root, { input: { id, ...fields } }, ctx) =>
      withFieldErrors(async () => ({
        scopedConfigVariable: await updateScopedConfigVariable(ctx.db, ctx.vault, actorOf(ctx), idOf('ScopedConfigVariable', String(id)), fields),
      })),
  },
  { outputFields: payloadFields('scopedConfigVariable', ScopedConfigVariable) },
);

builder.relayMutationField(
  'deleteScopedConfigVariable',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        scopedConfigVariable: await deleteScopedConfigVariable(ctx.db, actorOf(ctx), idOf('ScopedConfigVariable', String(input.id))),
      })),
  },
  { outputFields: payloadFields('scopedConfigVariable', ScopedConfigVariable) },
);
