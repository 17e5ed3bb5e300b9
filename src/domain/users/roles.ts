import type { UserRole } from '../../db/tables';

export type Role = { key: UserRole; name: string; description: string };

/** The roles Prismatic clients grant (`organizationRoles`, `customerRoles`); the domain enforces what each may do. */
export const ORGANIZATION_ROLES: readonly Role[] = [
  { key: 'admin', name: 'Admin', description: 'Reads and changes everything of the organization, including its users.' },
  { key: 'member', name: 'Member', description: 'Reads everything of the organization; changes nothing that needs an admin.' },
];

export const CUSTOMER_ROLES: readonly Role[] = [
  {
    key: 'customer_admin',
    name: 'Admin',
    description: "Sees only its own customer; manages that customer's users, connection values and runs its instances' flows.",
  },
  { key: 'customer_member', name: 'Member', description: 'Sees only its own customer: its users, instances, connections and executions; changes nothing.' },
];

export const roleOf = (key: UserRole): Role => [...ORGANIZATION_ROLES, ...CUSTOMER_ROLES].find((role) => role.key === key)!;
