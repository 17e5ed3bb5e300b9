import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { customers, instances, integrationVersions } from '../../db/tables';
import { requireOrgUser, type Actor } from '../../domain/actor';
import { invalid, NotFoundError } from '../../domain/errors';
import { findFlow } from '../../domain/integrations';
import { walkSteps } from '../../domain/integrations/definition';
import type { ActionStep } from '../../domain/integrations/definition';
import { evaluateValue, TemplateError } from '../../lib/templates';
import type { Customer, Instance } from '../engine/run-context';
import { withQueryParams } from '../triggers';
import { resolveActingUser } from '../../domain/user-authentications/acting-user';
import { systemInstancesOf } from '../../domain/instances/system-instances';
import { visibleInstances } from '../../domain/instances';
import { authIdOf, planCredential } from './resolve-credential';
import type { CredentialChoice } from './choose-credential';

export type ExplainInput = {
  flowId: string;
  stepName: string;
  instanceId: string | null;
  customerId: string | null;
  /** What the step's auth expression yields, given directly (needed when it reads a loop item). */
  authId: string | null;
  /** A webhook call to explain for: its body and query string, as the flow would see them. */
  trigger: { body: unknown; query: Record<string, string> } | null;
  /** Rule 2: explain for this acting user (a User id or an embedded user's external id), present or not. */
  actingUser: string | null;
  interactive: boolean;
};
export type Explanation = CredentialChoice & { connection: string | null; instanceId: string | null };

/**
 * Which credential a step would use and why: the engine's own resolution, run on the stored facts without
 * running the step and without opening any secret.
 */
export async function explainCredential(db: Db, actor: Actor, input: ExplainInput): Promise<Explanation> {
  requireOrgUser(actor, 'explain credentials');
  const found = await findFlow(db, actor, input.flowId);
  if (!found) throw new NotFoundError();
  const named = await instanceFor(db, actor, found.integration.id, input);
  // The test (system) instance, or no instance at all, explains a test run: rule 4 with the test instance's values.
  const instance = named?.isSystem ? null : named;
  const testInstance = instance ? null : (named ?? (await systemInstancesOf(db, actor, [found.integration.id])).get(found.integration.id) ?? null);
  const definition = instance?.deployedVersionId
    ? ((await db.select().from(integrationVersions).where(eq(integrationVersions.id, instance.deployedVersionId)))[0]?.definition ??
      found.integration.definition)
    : found.integration.definition;
  const flow = definition.flows.find((f) => f.stableKey === found.flow.flow.stableKey) ?? found.flow.flow;
  const step = [...walkSteps(flow.steps, [], 0)].map((visit) => visit.step).find((s): s is ActionStep => s.name === input.stepName && s.type === 'action');
  if (!step) throw invalid('step', `Flow "${flow.stableKey}" has no action step named "${input.stepName}".`);
  if (!step.connection && step.auth === undefined && !input.authId) {
    return { outcome: 'fail', rule: 5, reason: `Step "${step.name}" uses no connection.`, connection: null, instanceId: instance?.id ?? null };
  }
  const [customer] = instance ? await db.select().from(customers).where(eq(customers.id, instance.customerId)) : [];
  const rawId = input.authId ?? (step.auth === undefined ? null : await renderAuth(step.auth, input.trigger, customer ?? null));
  const dynamicAuth = rawId === null ? null : { rawId, stepName: step.name, componentKey: step.action.component };
  const actingUserId = input.actingUser === null ? null : await resolveActingUser(db, actor, input.actingUser, instance?.customerId ?? null);
  const actingUser = actingUserId ? { id: actingUserId, interactive: input.interactive } : null;
  const plan = await planCredential(
    { db, actor, definition, instance, testInstance, customer: customer ?? null, dynamicAuth, actingUser },
    step.connection ?? '',
  );
  return { ...plan.choice, connection: step.connection ?? null, instanceId: instance?.id && !instance.id.startsWith('hypothetical') ? instance.id : null };
}

/** The step's auth expression over the given trigger, as a run would render it before its first step. */
async function renderAuth(auth: string, trigger: ExplainInput['trigger'], customer: Customer | null): Promise<string> {
  const query = trigger?.query ?? {};
  const scope = {
    trigger: { body: withQueryParams(trigger?.body ?? {}, query), query, headers: {} },
    steps: {},
    variables: {},
    customer: customer ? { externalId: customer.externalId, name: customer.name } : null,
  };
  try {
    return authIdOf(await evaluateValue(auth, scope));
  } catch (error) {
    if (error instanceof TemplateError) throw invalid('payload', `The step's auth expression cannot be rendered: ${error.message}`);
    throw error;
  }
}

/** The instance named, or the customer's instance of the integration, or (no instance yet) one as if deployed. */
async function instanceFor(db: Db, actor: Actor, integrationId: string, input: ExplainInput): Promise<Instance | null> {
  if (input.instanceId) {
    const [row] = await db
      .select()
      .from(instances)
      .where(and(visibleInstances(actor), eq(instances.id, input.instanceId)));
    if (!row) throw new NotFoundError();
    return row;
  }
  if (!input.customerId) return null;
  const [customer] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.orgId, actor.orgId), eq(customers.id, input.customerId), eq(customers.isSystem, false)));
  if (!customer) throw invalid('customer', 'Record not found.');
  const [existing] = await db
    .select()
    .from(instances)
    .where(and(eq(instances.orgId, actor.orgId), eq(instances.integrationId, integrationId), eq(instances.customerId, customer.id)))
    .orderBy(asc(instances.createdAt));
  if (existing) return existing;
  const now = new Date();
  return {
    id: `hypothetical-${customer.id}`,
    orgId: actor.orgId,
    integrationId,
    customerId: customer.id,
    name: '',
    description: null,
    labels: [],
    enabled: true,
    deployedVersionId: null,
    targetVersionId: null,
    configValues: {},
    lastDeployedAt: null,
    lastExecutedAt: null,
    isSystem: false,
    createdAt: now,
    updatedAt: now,
  };
}
