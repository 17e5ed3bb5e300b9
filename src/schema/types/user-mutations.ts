import { createCustomerUser, createOrganizationUser, deleteUser, updateUser } from '../../domain/users/user-admin';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf } from '../lib/ids';
import { roleKeyOf } from './role';
import { User } from './user';

builder.relayMutationField(
  'createOrganizationUser',
  {
    inputFields: (t) => ({
      email: t.string({ required: true }),
      name: t.string(),
      role: t.id({ required: true, description: 'An id from organizationRoles.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        user: await createOrganizationUser(ctx.db, actorOf(ctx), { ...input, role: roleKeyOf(input.role) }),
      })),
  },
  { outputFields: payloadFields('user', User) },
);

builder.relayMutationField(
  'createCustomerUser',
  {
    inputFields: (t) => ({
      customer: t.id({ required: true }),
      email: t.string({ required: true }),
      name: t.string(),
      role: t.id({ required: true, description: 'An id from customerRoles.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        user: await createCustomerUser(ctx.db, actorOf(ctx), {
          ...input,
          role: roleKeyOf(input.role),
          customerId: idOf('Customer', String(input.customer), 'customer'),
        }),
      })),
  },
  { outputFields: payloadFields('user', User) },
);

builder.relayMutationField(
  'updateUser',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      role: t.id({ description: 'An id from organizationRoles for organization users, from customerRoles for customer users.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        user: await updateUser(ctx.db, actorOf(ctx), idOf('User', String(input.id)), {
          name: input.name,
          role: input.role == null ? null : roleKeyOf(input.role),
        }),
      })),
  },
  { outputFields: payloadFields('user', User) },
);

builder.relayMutationField(
  'deleteUser',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ user: await deleteUser(ctx.db, actorOf(ctx), idOf('User', String(input.id))) })),
  },
  { outputFields: payloadFields('user', User) },
);
