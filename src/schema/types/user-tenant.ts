import { getOrganization, type Organization } from '../../domain/organizations/organizations';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';

// One tenantflow deployment is one tenant and a user belongs to exactly one organization, so the list Prismatic
// clients use to pick a tenant (prism login, the VS Code extension) always has this deployment as its only entry.
const UserTenant = builder.objectRef<Organization>('UserTenant').implement({
  description: 'A tenant (deployment) the signed-in user can use, with the organization it has there.',
  fields: (t) => ({
    tenantId: t.string({ description: 'The same value as User.tenantId.', resolve: (_org, _args, ctx) => ctx.tenantName }),
    url: t.string({ description: 'The base URL clients send requests to (PRISMATIC_URL).', resolve: (_org, _args, ctx) => ctx.publicUrl }),
    orgName: t.exposeString('name'),
    awsRegion: t.string({ nullable: true, description: 'Always null: tenantflow does not run per AWS region.', resolve: () => null }),
    systemSuspended: t.boolean({ description: 'Always false: tenantflow does not suspend tenants.', resolve: () => false }),
  }),
});

const UserTenantList = builder.objectRef<Organization[]>('UserTenantList').implement({
  fields: (t) => ({ nodes: t.field({ type: [UserTenant], resolve: (orgs) => orgs }) }),
});

builder.queryField('listUserTenants', (t) =>
  t.field({
    type: UserTenantList,
    description: 'The tenants the signed-in user belongs to: here, the organization of this deployment.',
    resolve: async (_root, _args, ctx) => [await getOrganization(ctx.db, actorOf(ctx))],
  }),
);
