import { disconnectConnection } from '../../domain/instances';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { instanceConfigVariableRefOf } from '../lib/instance-config-variable-id';
import { InstanceConfigVariable } from './instance-config-variable';

builder.relayMutationField(
  'disconnectConnection',
  {
    description:
      'Forgets what an instance holds for one of its inline connections, so it must be set up again: an OAuth 2.0 authorization-code ' +
      'connection loses its tokens (authorizeUrl authorizes it again), any other loses its values; either reads PENDING until then. ' +
      'Nothing secret is returned. ' +
      "A connection that uses an organization's connection holds nothing on the instance: its id reads as not found.",
    inputFields: (t) => ({ id: t.id({ required: true, description: 'An InstanceConfigVariable of a connection.' }) }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        instanceConfigVariable: await disconnectConnection(ctx.db, actorOf(ctx), instanceConfigVariableRefOf(String(input.id))),
      })),
  },
  { outputFields: payloadFields('instanceConfigVariable', InstanceConfigVariable) },
);
