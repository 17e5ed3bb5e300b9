import { createInstance, deleteInstance, deployInstance, SCHEDULE_TYPES, updateInstanceConfigVariables } from '../../domain/instances';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf, integrationOrVersionIdOf } from '../lib/ids';
import { Instance } from './instance-node';

export const InputInstanceConfigVariable = builder.inputType('InputInstanceConfigVariable', {
  description:
    "A config variable value: `key` is the required config variable's key; `value` for plain ones, `values` " +
    '(JSON `[{"name":"apiKey","type":"value","value":"…"}]`) for inline connections. ' +
    "Connections that use an organization's connection take neither.",
  fields: (t) => ({
    key: t.string({ required: true }),
    value: t.string(),
    values: t.string(),
    scheduleType: t.string({
      description:
        `For a schedule: ${SCHEDULE_TYPES.join('|')} (any case), how a UI offers it; the cron \`value\` is what runs. ` +
        'Left out (or empty): unchanged by updateInstanceConfigVariables, else CUSTOM.',
    }),
    timeZone: t.string({
      description:
        'For a schedule: the IANA time zone its cron runs in for this instance (e.g. Europe/Berlin). ' +
        "Left out (or empty): unchanged by updateInstanceConfigVariables, else the definition's.",
    }),
  }),
});

export const payload = { outputFields: payloadFields('instance', Instance) };
export const id = (value: string | number, field = 'id') => idOf('Instance', String(value), field);

builder.relayMutationField(
  'createInstance',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      integration: t.id({ required: true, description: 'An Integration, or its latest available IntegrationVersion (as prism passes).' }),
      customer: t.id({ required: true }),
      description: t.string(),
      labels: t.stringList(),
      configVariables: t.field({ type: [InputInstanceConfigVariable] }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        instance: await createInstance(ctx.db, ctx.vault, actorOf(ctx), {
          name: input.name,
          ...integrationOrVersionIdOf(input.integration, 'integration'),
          customerId: idOf('Customer', String(input.customer), 'customer'),
          description: input.description,
          labels: input.labels,
          configVariables: input.configVariables,
        }),
      })),
  },
  payload,
);

builder.relayMutationField(
  'updateInstanceConfigVariables',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      configVariables: t.field({ type: [InputInstanceConfigVariable], description: 'Sets these; the others keep their values.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        instance: await updateInstanceConfigVariables(ctx.db, ctx.vault, actorOf(ctx), id(input.id), { configVariables: input.configVariables ?? [] }),
      })),
  },
  payload,
);

builder.relayMutationField(
  'deployInstance',
  { inputFields: (t) => ({ id: t.id({ required: true }), force: t.boolean() }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ instance: await deployInstance(ctx.db, ctx.vault, actorOf(ctx), id(input.id), { force: input.force }) })),
  },
  payload,
);

builder.relayMutationField(
  'deleteInstance',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ instance: await deleteInstance(ctx.db, actorOf(ctx), id(input.id)) })),
  },
  payload,
);
