import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instances, integrations, integrationVersions, type TriggerPayload } from '../../db/tables';
import { startExecution, type Execution } from './start-execution';
import { isOrgUser, requireAdmin, requireOrgAdmin, type Actor } from '../actor';
import { FieldErrors, invalid, NotFoundError } from '../errors';
import { findFlow } from '../integrations';
import type { TestUrlTarget } from '../integrations/test-urls';
import { callerMayAct, resolveActingUser } from '../user-authentications/acting-user';

export type RunInput = { payload?: string | null; contentType?: string | null; headers?: string | null };

/**
 * Who the run acts for (user authentications, seed 002): the caller, interactive when a UI says someone is
 * present, or a user the caller names for a non-interactive run.
 */
export type ActingInput = { interactive?: boolean | null; actingUser?: string | null };

/** The trigger a flow sees for an API-started run: the payload parsed as JSON when it is JSON. */
export function triggerFromInput(input: RunInput): TriggerPayload {
  const errors = new FieldErrors();
  let headers: Record<string, string> = {};
  if (input.headers) {
    try {
      const parsed = JSON.parse(input.headers) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
      headers = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), String(v)]));
    } catch {
      errors.add('headers', 'Must be a JSON object of header names to values.');
    }
  }
  errors.throwIfAny();
  let body: unknown = input.payload ?? {};
  const isJson = !input.contentType || input.contentType.includes('json');
  if (isJson && typeof input.payload === 'string' && input.payload.trim()) {
    try {
      body = JSON.parse(input.payload);
    } catch {
      throw invalid('payload', 'Is not valid JSON (or send a contentType other than JSON).');
    }
  }
  if (input.contentType) headers['content-type'] = input.contentType;
  return { body, query: {}, headers };
}

/**
 * A designer test run of a flow of the integration's draft: no instance and no customer of its own, so
 * connections resolve to their test credentials and the test (system) instance's values.
 */
export async function testIntegrationFlow(db: DbOrTx, actor: Actor, flowId: string, input: RunInput & Pick<ActingInput, 'interactive'>): Promise<Execution> {
  requireOrgAdmin(actor, 'test integration flows');
  const found = await findFlow(db, actor, flowId);
  if (!found) throw new NotFoundError();
  const trigger = triggerFromInput(input);
  return startTestRun(db, { orgId: actor.orgId, integrationId: found.integration.id, flowStableKey: found.flow.flow.stableKey }, trigger, {
    actingUserId: actor.userId,
    interactive: input.interactive ?? false,
  });
}

/** A call to a test URL handed out earlier (/test-webhooks/<token>): a designer test run for no one in particular. */
export async function startTestUrlRun(db: DbOrTx, target: TestUrlTarget, trigger: TriggerPayload): Promise<Execution> {
  const flow = { orgId: target.integration.orgId, integrationId: target.integration.id, flowStableKey: target.flow.stableKey };
  return startTestRun(db, flow, trigger, { actingUserId: null, interactive: false });
}

type TestRunFlow = { orgId: string; integrationId: string; flowStableKey: string };

async function startTestRun(db: DbOrTx, flow: TestRunFlow, trigger: TriggerPayload, acting: { actingUserId: string | null; interactive: boolean }) {
  const test = { versionId: null, instanceId: null, customerId: null, invokeType: 'INTEGRATION_FLOW_TEST' as const };
  return (await startExecution(db, { ...flow, ...acting, ...test, trigger }))!;
}

/** Runs a flow of a deployed instance now, whatever its trigger (Prismatic's testInstanceFlowConfig). */
export async function runInstanceFlow(db: DbOrTx, actor: Actor, instanceId: string, flowStableKey: string, input: RunInput & ActingInput): Promise<Execution> {
  const visible = isOrgUser(actor)
    ? and(eq(instances.orgId, actor.orgId), eq(instances.id, instanceId))
    : and(eq(instances.orgId, actor.orgId), eq(instances.id, instanceId), eq(instances.customerId, actor.customerId!));
  const [row] = await db
    .select({ instance: instances, version: integrationVersions, draft: integrations.definition })
    .from(instances)
    .innerJoin(integrations, eq(integrations.id, instances.integrationId))
    .leftJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(visible);
  if (!row) throw new NotFoundError();
  requireAdmin(actor, 'run flows');
  if (row.instance.isSystem) {
    // Running a flow of the test instance is a test run of the draft (testIntegrationFlow).
    if (!row.draft.flows.some((f) => f.stableKey === flowStableKey)) throw invalid('flow', `The integration has no flow with stable key "${flowStableKey}".`);
    if (input.actingUser != null) throw invalid('actingUser', 'A test run acts for its caller: leave actingUser out.');
    const flow = { orgId: actor.orgId, integrationId: row.instance.integrationId, flowStableKey };
    return startTestRun(db, flow, triggerFromInput(input), { actingUserId: actor.userId, interactive: input.interactive ?? false });
  }
  if (!row.version) throw invalid('instance', 'The instance is not deployed yet: deploy it first.');
  if (!row.instance.enabled) throw invalid('instance', 'The instance is disabled.');
  const flow = row.version.definition.flows.find((f) => f.stableKey === flowStableKey);
  if (!flow)
    throw invalid(
      'flow',
      `The deployed version has no flow with stable key "${flowStableKey}" (it has: ${row.version.definition.flows.map((f) => f.stableKey).join(', ')}).`,
    );
  if (input.actingUser != null && input.interactive) throw invalid('interactive', 'A run for another named user (actingUser) is not interactive.');
  const trigger = triggerFromInput(input);
  const actingUserId =
    input.actingUser != null
      ? await resolveActingUser(db, actor, input.actingUser, row.instance.customerId)
      : callerMayAct(actor, row.instance.customerId)
        ? actor.userId
        : null;
  return (await startExecution(db, {
    orgId: actor.orgId,
    integrationId: row.instance.integrationId,
    versionId: row.version.id,
    instanceId: row.instance.id,
    customerId: row.instance.customerId,
    actingUserId,
    interactive: actingUserId === actor.userId && (input.interactive ?? false),
    flowStableKey,
    invokeType: 'API',
    trigger,
  }))!;
}
