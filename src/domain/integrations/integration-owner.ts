import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { notFoundAs } from '../connections/scoped-config-variables';
import { getCustomer } from '../customers/customers';
import type { FieldErrors } from '../errors';

/*
 * Prismatic's customer-specific integrations: an integration may be built for one customer, who alone can
 * have instances of it. Customer users still see no integrations (visibleIntegrations): the owner only
 * decides who an organization admin may instantiate it for.
 */

/**
 * The customer an integration is created for: null for the organization's own. An unknown id, another
 * organization's customer and the system customer (getCustomer hides it) are all "not found" on `customer`.
 */
export async function ownerToSet(db: DbOrTx, actor: Actor, customerId: string | null | undefined, errors: FieldErrors): Promise<string | null> {
  if (customerId == null) return null;
  const customer = await getCustomer(db, actor, customerId).catch(notFoundAs(errors, 'customer'));
  return customer?.id ?? null;
}
