import { and, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { uniqueViolation } from '../../db/errors';
import { escapeLike } from '../../db/like';
import { selectPage } from '../../db/page';
import { customers } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { FieldErrors, InvalidInputError, NotFoundError } from '../errors';
import { fanOutIntegrationsOfCustomer, refreshFanOutSchedules } from '../instances/flow-schedules';
import type { Page, PageResult, Sort } from '../pagination';
import { customerUniqueFields, validateCustomerFields, type CustomerFields } from './validate';

export type Customer = typeof customers.$inferSelect;
export type CustomerSortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'DESCRIPTION' | 'CONCURRENT_EXECUTION_LIMIT';
export type CustomerFilter = {
  externalId?: string | null;
  name?: string | null;
  nameIcontains?: string | null;
  description?: string | null;
  labelsIcontains?: string | null;
  isSystem?: boolean | null;
};

const sortColumns = {
  NAME: customers.name,
  CREATED_AT: customers.createdAt,
  UPDATED_AT: customers.updatedAt,
  DESCRIPTION: customers.description,
  CONCURRENT_EXECUTION_LIMIT: customers.concurrentExecutionLimit,
} satisfies Record<CustomerSortField, unknown>;

/** Rows this actor may see: its organization's, and only its own customer for a customer user. */
export function visibleCustomers(actor: Actor): SQL {
  const inOrg = eq(customers.orgId, actor.orgId);
  return actor.customerId ? and(inOrg, eq(customers.id, actor.customerId))! : inOrg;
}

/** A customer to act on: the system customer (system-instances.ts) is not one, as if it did not exist. */
export async function getCustomer(db: DbOrTx, actor: Actor, id: string): Promise<Customer> {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(visibleCustomers(actor), eq(customers.id, id), eq(customers.isSystem, false)));
  if (!row) throw new NotFoundError();
  return row;
}

/** Loads many by id for dataloaders (the system customer too: it is a system instance's); ids the actor may not see are absent. */
export async function getCustomersByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<Customer[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(customers)
    .where(and(visibleCustomers(actor), inArray(customers.id, [...ids])));
}

export async function listCustomers(
  db: DbOrTx,
  actor: Actor,
  filter: CustomerFilter,
  sort: Sort<CustomerSortField>[],
  page: Page,
): Promise<PageResult<Customer>> {
  const conditions: (SQL | undefined)[] = [visibleCustomers(actor)];
  if (filter.externalId != null) conditions.push(eq(customers.externalId, filter.externalId));
  if (filter.name != null) conditions.push(eq(customers.name, filter.name));
  if (filter.nameIcontains != null) conditions.push(ilike(customers.name, `%${escapeLike(filter.nameIcontains)}%`));
  if (filter.description != null) conditions.push(eq(customers.description, filter.description));
  if (filter.labelsIcontains != null) {
    const pattern = `%${escapeLike(filter.labelsIcontains)}%`;
    conditions.push(sql`exists (select 1 from unnest(${customers.labels}) as label where label ilike ${pattern})`);
  }
  // The system customer is listed only when asked for, and then alone.
  conditions.push(eq(customers.isSystem, filter.isSystem ?? false));
  return selectPage(db, customers, and(...conditions), { sort, columns: sortColumns, fallback: [], page });
}

export async function createCustomer(db: DbOrTx, actor: Actor, input: CustomerFields): Promise<Customer> {
  requireOrgAdmin(actor, 'create customers');
  const errors = new FieldErrors();
  validateCustomerFields(input, errors, { creating: true });
  errors.throwIfAny();
  return writeUnique(() =>
    db
      .insert(customers)
      .values({
        orgId: actor.orgId,
        name: input.name!.trim(),
        externalId: input.externalId ?? null,
        description: input.description ?? null,
        labels: (input.labels ?? []) as string[],
        allowEmbeddedDesigner: input.allowEmbeddedDesigner ?? false,
        concurrentExecutionLimit: input.concurrentExecutionLimit ?? null,
      })
      .returning(),
  );
}

export async function updateCustomer(db: DbOrTx, actor: Actor, id: string, input: CustomerFields): Promise<Customer> {
  const existing = await getCustomer(db, actor, id);
  requireOrgAdmin(actor, 'update customers');
  const errors = new FieldErrors();
  validateCustomerFields(input, errors, { creating: false });
  errors.throwIfAny();
  const changes: Partial<typeof customers.$inferInsert> = { updatedAt: new Date() };
  if (input.name != null) changes.name = input.name.trim();
  if (input.externalId !== undefined) changes.externalId = input.externalId;
  if (input.description !== undefined) changes.description = input.description;
  if (input.labels != null) changes.labels = input.labels as string[];
  if (input.allowEmbeddedDesigner != null) changes.allowEmbeddedDesigner = input.allowEmbeddedDesigner;
  if (input.concurrentExecutionLimit !== undefined) changes.concurrentExecutionLimit = input.concurrentExecutionLimit;
  return writeUnique(() =>
    db
      .update(customers)
      .set(changes)
      .where(and(eq(customers.orgId, actor.orgId), eq(customers.id, existing.id)))
      .returning(),
  );
}

export async function deleteCustomer(db: DbOrTx, actor: Actor, id: string): Promise<Customer> {
  const existing = await getCustomer(db, actor, id);
  requireOrgAdmin(actor, 'delete customers');
  // Its instances' schedules go with them (cascade); fan-out schedules of their integrations may have depended on them.
  await db.transaction(async (tx) => {
    const fanOutIntegrations = await fanOutIntegrationsOfCustomer(tx, existing.id);
    await tx.delete(customers).where(and(eq(customers.orgId, actor.orgId), eq(customers.id, existing.id)));
    for (const integrationId of fanOutIntegrations) await refreshFanOutSchedules(tx, integrationId);
  });
  return existing;
}

async function writeUnique(write: () => Promise<Customer[]>): Promise<Customer> {
  try {
    const [row] = await write();
    if (!row) throw new NotFoundError();
    return row;
  } catch (error) {
    const constraint = uniqueViolation(error);
    const known = constraint ? customerUniqueFields[constraint] : undefined;
    if (known) throw new InvalidInputError([{ field: known.field, messages: [known.message] }]);
    throw error;
  }
}
