import type { ActionStep } from '../../domain/integrations/definition';
import { findComponentByKey } from '../../domain/components/registry';
import { oauth2TypeOf, OAUTH2_ACCESS_TOKEN_KEY, withInputDefaults } from '../../domain/components';
import { openCredential, planCredential, type CredentialPlan } from '../credentials/resolve-credential';
import { clientCredentialsToken } from '../credentials/oauth2-client-credentials';
import type { EngineDeps, LeaseGuard } from '../engine/run-flow';
import type { RunContext } from '../engine/run-context';
import type { StepOutcome } from '../engine/step-record';
import { idempotencyKey } from '../policy/idempotency-key';
import { evaluateValue, renderDeep } from '../../lib/templates';
import { buildRequest } from './build-request';
import { callConnector } from './call-connector';

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
): Promise<ActionOutcome> {
  const component = await findComponentByKey(deps.db, ctx.actor, step.action.component);
  const action = component?.definition.actions.find((a) => a.key === step.action.key);
  if (!action) return { status: 'FAILED', error: `Action "${step.action.component}/${step.action.key}" does not exist in this tenant.` };

  let plan: CredentialPlan | null = null;
  if (step.connection || step.auth) {
    const rawAuth = step.auth ? await evaluateValue(step.auth, scope) : null;
    const dynamicAuthId = rawAuth == null || rawAuth === '' ? null : String(rawAuth);
    plan = await planCredential({ db: deps.db, actor: ctx.actor, definition: ctx.definition, instance: ctx.instance, customer: ctx.customer, dynamicAuthId }, step.connection ?? '');
  }
  const credentialRecord = plan && describe(plan);
  if (plan && plan.choice.outcome !== 'use') {
    return { status: 'FAILED', error: plan.choice.reason, credential: credentialRecord! };
  }

  const inputs = withDefaults(action.inputs, (await renderDeep(step.inputs ?? {}, scope)) as Record<string, unknown>);
  let opened: { connection: NonNullable<CredentialPlan['connection']>['definition']; inputs: Record<string, string> } | null = null;
  try {
    if (plan?.connection) {
      const credential = await openCredential(deps.db, deps.vault, plan);
      if (oauth2TypeOf(plan.connection.definition) === 'CLIENT_CREDENTIALS') {
        credential.inputs[OAUTH2_ACCESS_TOKEN_KEY] = await clientCredentialsToken(credential.id, credential.inputs, { timeoutMs: deps.config.stepTimeoutMs, http: deps.http });
      }
      opened = { connection: plan.connection.definition, inputs: credential.inputs };
    }
    const request = await buildRequest(action, inputs, opened);
    const result = await callConnector(deps.http, request, {
      idempotencyKey: idempotencyKey(ctx.execution.id, step.name, iteration ? [iteration] : []),
      timeoutMs: deps.config.stepTimeoutMs,
      maxAttempts: deps.config.stepMaxAttempts,
      retryBaseMs: deps.config.stepRetryBaseMs,
      beforeRetry: () => guard.renew(),
    });
    const warnings = plan?.choice.outcome === 'use' ? plan.choice.warnings : [];
    if (!result.ok) return { status: 'FAILED', attempts: result.attempts, error: result.error, credential: credentialRecord ?? undefined, warnings };
    return { status: 'SUCCEEDED', attempts: result.attempts, output: result.body, credential: credentialRecord ?? undefined, warnings };
  } catch (error) {
    // Template, URL or token errors: report the message, which never contains an opened value.
    return { status: 'FAILED', error: (error as Error).message, credential: credentialRecord ?? undefined };
  }
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
