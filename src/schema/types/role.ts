import { CUSTOMER_ROLES, ORGANIZATION_ROLES, type Role as RoleRow } from '../../domain/users/roles';
import { encodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';

export const Role = builder.objectRef<RoleRow>('Role').implement({
  description: 'What a user may do. Pass its id as `role` to createOrganizationUser or createCustomerUser.',
  fields: (t) => ({
    id: t.id({ resolve: roleIdOf }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
  }),
});

const roleIdOf = (role: RoleRow) => encodeGlobalId('Role', role.key);

/** The role key a Role id stands for; anything else goes to the domain as is, which names the roles allowed. */
export function roleKeyOf(id: string | number): string {
  return [...ORGANIZATION_ROLES, ...CUSTOMER_ROLES].find((role) => roleIdOf(role) === String(id))?.key ?? String(id);
}

builder.queryFields((t) => ({
  organizationRoles: t.field({ type: [Role], description: 'Roles of organization users.', resolve: () => [...ORGANIZATION_ROLES] }),
  customerRoles: t.field({ type: [Role], description: 'Roles of customer users.', resolve: () => [...CUSTOMER_ROLES] }),
}));
