import type { ActionStep } from '../../domain/integrations/definition';
import { findComponentByKey, type ConnectionRecord } from '../../domain/components/registry';
import { hostAllowed, oauth2TypeOf, OAUTH2_ACCESS_TOKEN_KEY, withInputDefaults, type ConnectionDefinition } from '../../domain/components';
import { authIdOf, openCredential, planCredential, type CredentialPlan } from '../credentials/resolve-credential';
import { runDataKeys } from '../credentials/run-credentials';
import { AwaitingAuthentication } from '../engine/awaiting-authentication';
import { clientCredentialsToken, passwordGrantToken } from '../credentials/oauth2-client-credentials';
import { authorizationCodeToken, OAuth2TokenUnavailable, type TokenUse } from '../credentials/oauth2-authorization-code';
import { LeaseLost, type EngineDeps, type LeaseGuard } from '../engine/run-flow';
import { isTransientDatabaseError } from '../policy/transient-database-error';
import type { RunContext } from '../engine/run-context';
import { runLog, type StepOutcome } from '../engine/step-record';
import { idempotencyKey } from '../policy/idempotency-key';
import { evaluateValue, renderDeep } from '../../lib/templates';
import { buildRequest } from './build-request';
import { callConnector, type CallResult } from './call-connector';
import { acquireHostSlot } from '../fan-out/host-slots';
import { executionFields } from '../lifecycle-log';
import { componentLabel, credentialRefreshes, stepRetries } from '../../metrics/registry';

const HOST_SLOT_MARGIN_MS = 2_000;

type ActionOutcome = Omit<StepOutcome, 'stepName' | 'iteration' | 'startedAt'>;

/**
 * One component action: pick the credential (recorded with the rule that decided), open it, render the
 * declarative request and send it. The secret lives only in this function's memory.
 */
export async function runActionStep(
  deps: EngineDeps,
  ctx: RunContext,
  step: ActionStep,
  scope: Record<string, unknown>,
  iteration: string,
  guard: LeaseGuard,
  /** Set when the user's token failed during this step and the credential is planned once more. */
  replanned = false,
): Promise<ActionOutcome> {
  const component = await findComponentByKey(deps.db, ctx.actor, step.action.component);
  const action = component?.definition.actions.find((a) => a.key === step.action.key);
  if (!action) return { status: 'FAILED', error: `Action "${step.action.component}/${step.action.key}" does not exist in this tenant.` };

  let plan: CredentialPlan | null = null;
  if (step.connection || step.auth !== undefined) {
    // Rendered per run and per loop iteration; an empty result still counts as asked (rule 1 never falls back).
    const dynamicAuth =
      step.auth === undefined ? null : { rawId: authIdOf(await evaluateValue(step.auth, scope)), stepName: step.name, componentKey: step.action.component };
    plan = await planCredential(
      {
        db: deps.db,
        actor: ctx.actor,
        definition: ctx.definition,
        instance: ctx.instance,
        testInstance: ctx.testInstance,
        customer: ctx.customer,
        dynamicAuth,
        actingUser: actingUserOf(ctx),
        preloaded: ctx.credentials,
      },
      step.connection ?? '',
    );
  }
  if (plan?.choice.outcome === 'pause' && plan.userAuthentication) {
    throw new AwaitingAuthentication(plan.userAuthentication.userId, plan.userAuthentication.connectionRef, step.name, plan.choice.reason);
  }
  const credentialRecord = plan && describe(plan);
  if (plan && plan.choice.outcome !== 'use') {
    return { status: 'FAILED', error: plan.choice.reason, credential: credentialRecord! };
  }

  const inputs = withDefaults(action.inputs, (await renderDeep(step.inputs ?? {}, scope)) as Record<string, unknown>);
  let tokenUse: TokenUse | null = null;
  let opened: { connection: NonNullable<CredentialPlan['connection']>['definition']; inputs: Record<string, string> } | null = null;
  try {
    if (plan?.connection) {
      const definition = plan.connection.definition;
      const credential = await openCredential(deps.db, deps.vault, plan, runDataKeys(deps.db, ctx.credentials));
      rememberSecrets(ctx, definition, credential.inputs);
      const grantToken =
        oauth2TypeOf(definition) === 'CLIENT_CREDENTIALS' ? clientCredentialsToken : definition.authKind === 'oauth2_password' ? passwordGrantToken : null;
      if (grantToken) {
        const refused = refusedHost(step, plan.connection, credential.inputs.tokenUrl ?? '');
        if (refused) return { status: 'FAILED', error: refused, credential: credentialRecord ?? undefined };
        credential.inputs[OAUTH2_ACCESS_TOKEN_KEY] = await countedRefresh(definition.authKind, () =>
          grantToken(credential.id, credential.inputs, { timeoutMs: deps.config.stepTimeoutMs, http: deps.http }),
        );
        ctx.secrets.add(credential.inputs[OAUTH2_ACCESS_TOKEN_KEY]);
      }
      if (oauth2TypeOf(definition) === 'AUTHORIZATION_CODE') {
        const refused = refusedHost(step, plan.connection, credential.inputs.tokenUrl ?? '');
        if (refused) return { status: 'FAILED', error: refused, credential: credentialRecord ?? undefined };
        const { backoffBaseMs, backoffMaxMs } = deps.config.oauth2;
        const settings = { timeoutMs: deps.config.stepTimeoutMs, http: deps.http, backoffBaseMs, backoffMaxMs };
        tokenUse = { db: deps.db, vault: deps.vault, orgId: ctx.actor.orgId, holderId: credential.id, inputs: credential.inputs, settings };
        credential.inputs[OAUTH2_ACCESS_TOKEN_KEY] = await authorizationCodeToken(tokenUse);
        ctx.secrets.add(credential.inputs[OAUTH2_ACCESS_TOKEN_KEY]);
      }
      opened = { connection: definition, inputs: credential.inputs };
    }
    let result = await send(opened);
    if ('refused' in result) return { status: 'FAILED', error: result.refused, credential: credentialRecord ?? undefined };
    // A token the provider rejected although it looked valid (revoked, clock skew): one forced refresh, one retry.
    if (!result.ok && result.status === 401 && tokenUse && opened) {
      const rejectedToken = opened.inputs[OAUTH2_ACCESS_TOKEN_KEY];
      opened.inputs[OAUTH2_ACCESS_TOKEN_KEY] = await authorizationCodeToken({ ...tokenUse, rejectedToken });
      ctx.secrets.add(opened.inputs[OAUTH2_ACCESS_TOKEN_KEY]);
      result = await send(opened);
      if ('refused' in result) return { status: 'FAILED', error: result.refused, credential: credentialRecord ?? undefined };
    }
    const warnings = plan?.choice.outcome === 'use' ? plan.choice.warnings : [];
    if (!result.ok) return { status: 'FAILED', attempts: result.attempts, error: result.error, credential: credentialRecord ?? undefined, warnings };
    return { status: 'SUCCEEDED', attempts: result.attempts, output: result.body, credential: credentialRecord ?? undefined, warnings };
  } catch (error) {
    // Not the step's failure: the run stops (lease gone) or is retried (database away).
    if (error instanceof LeaseLost || isTransientDatabaseError(error)) throw error;
    // The user's token failed now (refresh refused: NEEDS_REAUTHENTICATION): rule 2 decides again, so the
    // run pauses, falls back or ends exactly as if the user had never authenticated.
    const needsUser = error instanceof OAuth2TokenUnavailable && error.kind === 'AUTH_NEEDS_REAUTHENTICATION';
    if (needsUser && plan?.choice.outcome === 'use' && plan.choice.source === 'USER_AUTHENTICATION' && !replanned) {
      return runActionStep(deps, ctx, step, scope, iteration, guard, true);
    }
    // Template, URL or token errors: report the message, which never contains an opened value.
    const errorKind = error instanceof OAuth2TokenUnavailable ? error.kind : null;
    return { status: 'FAILED', error: (error as Error).message, errorKind, credential: credentialRecord ?? undefined };
  }

  async function send(credential: typeof opened): Promise<CallResult | { refused: string }> {
    const request = await buildRequest(action!, inputs, credential);
    for (const material of request.credentialMaterial) rememberCredentialMaterial(ctx, material);
    const refused = plan?.connection ? refusedHost(step, plan.connection, request.url) : null;
    if (refused) return { refused };
    // beforeRetry is asked before and after each backoff sleep; the retry is counted once.
    let retriesLogged = 0;
    return callConnector(deps.http, request, {
      idempotencyKey: idempotencyKey(ctx.execution.id, step.name, iteration ? [iteration] : []),
      timeoutMs: deps.config.stepTimeoutMs,
      maxAttempts: deps.config.stepMaxAttempts,
      retryBaseMs: deps.config.stepRetryBaseMs,
      // Around every backoff sleep: a worker that no longer holds the execution stops without recording
      // anything (the new holder sends the request again with the same key).
      beforeRetry: async (attempt, _detail, reason) => {
        if (attempt > retriesLogged) {
          retriesLogged = attempt;
          stepRetries.inc({ component: componentLabel(step.action.component) });
          deps.log.info({ ...executionFields(ctx.execution), step: step.name, iteration, attempt, reason }, 'step retried');
          // The run log is what the customer's team reads: a slow success should show what it went through.
          await runLog(deps.db, ctx, 'WARN', `Attempt ${attempt} failed (${reason}); retrying`, step.name);
        }
        if (!(await guard.renew())) throw new LeaseLost();
        return true;
      },
      redact: (text) => ctx.secrets.text(text),
      hostSlot: ctx.hostLimit ? hostSlotOf(deps, ctx.hostLimit, guard) : undefined,
    });
  }
}

/** Rule 2's acting user: none for schedules and fan-outs. */
function actingUserOf(ctx: RunContext) {
  const { actingUserId, interactive } = ctx.execution;
  return actingUserId ? { id: actingUserId, interactive } : null;
}

/** An access-token request counted by outcome (tenantflow_credential_refreshes_total). */
async function countedRefresh(kind: string, refresh: () => Promise<string>): Promise<string> {
  try {
    const token = await refresh();
    credentialRefreshes.inc({ kind, outcome: 'success' });
    return token;
  } catch (error) {
    credentialRefreshes.inc({ kind, outcome: 'failure' });
    throw error;
  }
}

/** A fan-out child's per-host limit; a run that loses its execution while it waits stops like at a retry. */
function hostSlotOf(deps: EngineDeps, limit: NonNullable<RunContext['hostLimit']>, guard: LeaseGuard) {
  // A request lasts at most the step timeout; a slot whose holder died frees a little after that.
  const slots = { ...limit, holdMs: deps.config.stepTimeoutMs + HOST_SLOT_MARGIN_MS };
  return (host: string) =>
    acquireHostSlot(deps.db, slots, host, async () => {
      if (!(await guard.renew())) throw new LeaseLost();
    });
}

/** The opened secrets join the run's known secrets before anything derived from this step is stored. */
function rememberSecrets(ctx: RunContext, connection: ConnectionDefinition, inputs: Record<string, string>) {
  for (const input of connection.inputs) if (input.type === 'PASSWORD') ctx.secrets.add(inputs[input.key]);
  if (connection.authKind === 'basic' || connection.authKind === 'username_password') ctx.secrets.addBasic(inputs.username, inputs.password);
}

// A rendered header like "Basic <token>" is redacted whole and by its token alone (APIs echo either).
function rememberCredentialMaterial(ctx: RunContext, material: string) {
  ctx.secrets.add(material);
  const token = /^\S+\s+(\S+)$/.exec(material.trim())?.[1];
  ctx.secrets.add(token);
}

/** Why a request to this URL is refused (its host is outside the connection's declared hosts), or null. */
function refusedHost(step: ActionStep, connection: ConnectionRecord, url: string): string | null {
  const hosts = connection.definition.destination.hosts;
  if (hosts.length === 0) return null;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return `Connection "${step.connection ?? connection.key}" (${connection.component.key}/${connection.key}) got an invalid URL; no request was sent.`;
  }
  if (hostAllowed(host, hosts)) return null;
  // Names the host, never the URL: its path or query may carry a secret.
  return `Connection "${step.connection ?? connection.key}" (${connection.component.key}/${connection.key}) may only send requests to ${hosts.join(', ')}; host "${host}" was refused and no request was sent.`;
}

function describe(plan: CredentialPlan) {
  const choice = plan.choice;
  return choice.outcome === 'use'
    ? { source: choice.source, id: choice.credentialId, rule: choice.rule, reason: choice.reason }
    : { source: null, id: null, rule: choice.rule, reason: choice.reason };
}

function withDefaults(fields: Parameters<typeof withInputDefaults>[0], rendered: Record<string, unknown>) {
  const defaults = withInputDefaults(fields, {});
  return { ...defaults, ...Object.fromEntries(Object.entries(rendered).filter(([, v]) => v !== undefined && v !== null && v !== '')) };
}
