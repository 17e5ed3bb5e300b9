import { getAuthenticatedUser, getUsersByIds, type User as UserRow } from '../../domain/users/users';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { Customer } from './customer';
import { Organization } from './organization';
import { roleOf } from '../../domain/users/roles';
import { Role } from './role';

export const User = builder.loadableNode('User', {
  id: { resolve: (user: UserRow) => user.id },
  sort: (user) => user.id,
  load: (ids: string[], ctx) => getUsersByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    role: t.field({ type: Role, resolve: (user) => roleOf(user.role) }),
    phone: t.string({ nullable: true, description: 'Always null: tenantflow keeps no phone numbers.', resolve: () => null }),
    tenantId: t.string({ resolve: (_user, _args, ctx) => ctx.tenantName }),
    org: t.field({ type: Organization, resolve: (user) => user.orgId }),
    customer: t.field({ type: Customer, nullable: true, resolve: (user) => user.customerId }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('authenticatedUser', (t) =>
  t.field({
    type: User,
    description: 'The user the request is authenticated as (an organization user, a customer user or an embedded user).',
    resolve: (_root, _args, ctx) => getAuthenticatedUser(ctx.db, actorOf(ctx)),
  }),
);
