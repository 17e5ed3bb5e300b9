import {
  createEnvVariable,
  deleteEnvVariable,
  getEnvVariable,
  getEnvVariableByName,
  getEnvVariablesByIds,
  listEnvVariables,
  shownEnvValues,
  updateEnvVariable,
  type EnvVariable as EnvVariableRow,
} from '../../domain/env-variables/env-variables';
import { invalid } from '../../domain/errors';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { requestDataKeys } from '../lib/connection-loaders';
import { idOf } from '../lib/ids';

const EnvVariableValueType = builder.enumType('EnvVariableValueType', {
  description: 'STRING values reach templates as text, JSON values as data (a dictionary can be looped over).',
  values: ['STRING', 'JSON'] as const,
});

export const EnvVariable = builder.loadableNode('EnvVariable', {
  description: 'An organization-level named value, read by every flow as `{{ env.<name> }}`. Readable by organization users only.',
  id: { resolve: (row: EnvVariableRow) => row.id },
  sort: (row) => row.id,
  load: (ids: string[], ctx) => getEnvVariablesByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    valueType: t.field({ type: EnvVariableValueType, resolve: (row) => row.valueType }),
    isSecret: t.exposeBoolean('isSecret'),
    value: t.string({
      nullable: true,
      description: 'The value as text (JSON text for JSON). Null for a secret: it is never returned (hasValue says one is set).',
      resolve: async (row, _args, ctx) => (await shownEnvValues(ctx.vault, requestDataKeys(ctx), [row]))[0] ?? null,
    }),
    hasValue: t.boolean({ resolve: () => true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const EnvVariableConnection = connectionOf(EnvVariable, 'EnvVariable');

builder.queryFields((t) => ({
  envVariable: t.field({
    type: EnvVariable,
    nullable: true,
    description: 'One env variable, by id or by name (exactly one of them).',
    args: { id: t.arg.id(), name: t.arg.string() },
    resolve: (_root, args, ctx) => {
      if ((args.id == null) === (args.name == null)) throw invalid('id', 'Give exactly one of id and name.');
      return args.id != null
        ? getEnvVariable(ctx.db, actorOf(ctx), idOf('EnvVariable', String(args.id)))
        : getEnvVariableByName(ctx.db, actorOf(ctx), args.name!);
    },
  }),
  envVariables: t.connection(
    {
      type: EnvVariable,
      args: { name: t.arg.string(), name_Icontains: t.arg.string(), offset: t.arg.int() },
      resolve: (_root, args, ctx, info) =>
        resolveConnection(args, (page) => listEnvVariables(ctx.db, actorOf(ctx), { name: args.name, nameIcontains: args.name_Icontains }, page), info),
    },
    EnvVariableConnection,
  ),
}));

builder.relayMutationField(
  'createEnvVariable',
  {
    inputFields: (t) => ({
      name: t.string({ required: true, description: 'Letters, digits and _, no spaces; unique in the organization.' }),
      value: t.string({ required: true, description: 'Text; for valueType JSON, JSON text.' }),
      valueType: t.field({ type: EnvVariableValueType, required: true }),
      isSecret: t.boolean({ description: 'Never returned again and redacted from everything a run stores.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ envVariable: await createEnvVariable(ctx.db, ctx.vault, actorOf(ctx), input) })),
  },
  { outputFields: payloadFields('envVariable', EnvVariable) },
);

builder.relayMutationField(
  'updateEnvVariable',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      value: t.string(),
      valueType: t.field({ type: EnvVariableValueType }),
      isSecret: t.boolean(),
    }),
  },
  {
    resolve: (_root, { input: { id, ...fields } }, ctx) =>
      withFieldErrors(async () => ({ envVariable: await updateEnvVariable(ctx.db, ctx.vault, actorOf(ctx), idOf('EnvVariable', String(id)), fields) })),
  },
  { outputFields: payloadFields('envVariable', EnvVariable) },
);

builder.relayMutationField(
  'deleteEnvVariable',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ envVariable: await deleteEnvVariable(ctx.db, actorOf(ctx), idOf('EnvVariable', String(input.id))) })),
  },
  { outputFields: payloadFields('envVariable', EnvVariable) },
);
