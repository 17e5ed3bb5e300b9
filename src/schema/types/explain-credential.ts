import { explainCredential, type Explanation } from '../../execution/credentials/explain-credential';
import { builder } from '../builder';
import { invalid } from '../../domain/errors';
import { actorOf } from '../lib/actor';
import { idOf, optionalIdOf } from '../lib/ids';

const CredentialOutcome = builder.enumType('CredentialOutcome', { values: ['USE', 'PAUSE', 'FAIL'] as const });

const CredentialExplanation = builder.objectRef<Explanation>('CredentialExplanation').implement({
  description: 'Which credential a step would use and which rule decided; nothing is run and no secret is read.',
  fields: (t) => ({
    outcome: t.field({ type: CredentialOutcome, resolve: (e) => e.outcome.toUpperCase() as 'USE' | 'PAUSE' | 'FAIL' }),
    rule: t.exposeInt('rule', { description: '1 dynamic auth, 2 user authentication, 3 instance binding, 4 test credentials, 5 nothing applies.' }),
    source: t.string({ nullable: true, resolve: (e) => (e.outcome === 'use' ? e.source : null) }),
    credentialId: t.string({ nullable: true, resolve: (e) => (e.outcome === 'use' ? e.credentialId : null) }),
    reason: t.exposeString('reason'),
    warnings: t.stringList({ resolve: (e) => (e.outcome === 'use' ? e.warnings : []) }),
    connection: t.exposeString('connection', { nullable: true, description: "The step's connection config variable." }),
  }),
});

builder.queryField('explainCredential', (t) =>
  t.field({
    type: CredentialExplanation,
    args: {
      flow: t.arg.id({ required: true, description: 'The IntegrationFlow id.' }),
      step: t.arg.string({ required: true, description: 'The action step name.' }),
      instance: t.arg.id({ description: 'Explain for this instance.' }),
      customer: t.arg.id({ description: 'Or for this customer (its instance of the integration, or as if deployed). Neither: a designer test run.' }),
      authId: t.arg.string({ description: 'What the step’s auth expression yields (overrides payload and query; needed when it reads a loop item).' }),
      payload: t.arg.string({ description: 'A webhook body (JSON text) to render the step’s auth expression with, as trigger.body.' }),
      query: t.arg.string({ description: 'A webhook query string ("zendesk_auth_id=…&…") for trigger.query (and trigger.body, which wins on a shared key).' }),
      actingUser: t.arg.string({ description: "Rule 2: the run's acting user (a User id, or an embedded user's external id)." }),
      interactive: t.arg.boolean({ description: 'Rule 2: whether that user is present (interactive runs pause instead of applying the policy).' }),
    },
    resolve: (_root, args, ctx) =>
      explainCredential(ctx.db, actorOf(ctx), {
        flowId: idOf('IntegrationFlow', String(args.flow), 'flow'),
        stepName: args.step,
        instanceId: optionalIdOf('Instance', args.instance, 'instance'),
        customerId: optionalIdOf('Customer', args.customer, 'customer'),
        authId: args.authId ?? null,
        actingUser: args.actingUser ?? null,
        interactive: args.interactive ?? false,
        trigger:
          args.payload == null && args.query == null
            ? null
            : { body: parsePayload(args.payload), query: Object.fromEntries(new URLSearchParams(args.query ?? '')) },
      }),
  }),
);

function parsePayload(payload: string | null | undefined): unknown {
  if (payload == null || payload === '') return {};
  try {
    return JSON.parse(payload);
  } catch {
    throw invalid('payload', 'Must be JSON text.');
  }
}
