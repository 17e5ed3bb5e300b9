import { createSigningKey, deleteSigningKey, importSigningKey, type SigningKey as SigningKeyRow } from '../../domain/organizations/signing-keys';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf } from '../lib/connection';
import { idOf } from '../lib/ids';

export const SigningKey = builder.node(builder.objectRef<SigningKeyRow>('OrganizationSigningKey'), {
  description: 'A public key that verifies the RS256 JWTs of embedded users.',
  id: { resolve: (key) => key.id },
  fields: (t) => ({
    publicKey: t.exposeString('publicKey'),
    privateKeyPreview: t.exposeString('privateKeyPreview', { nullable: true }),
    imported: t.exposeBoolean('imported'),
    issuedAt: t.expose('issuedAt', { type: 'DateTime' }),
  }),
});

export const SigningKeyConnection = connectionOf(SigningKey, 'OrganizationSigningKey');

type Created = { key: SigningKeyRow; privateKey: string };

const CreatedSigningKey = builder.objectRef<Created>('CreatedOrganizationSigningKey').implement({
  description: 'The generated key pair. The private key is shown only here, once; tenantflow keeps its last 8 characters.',
  fields: (t) => ({
    privateKey: t.exposeString('privateKey'),
    signingKey: t.field({ type: SigningKey, resolve: (created) => created.key }),
  }),
});

builder.relayMutationField(
  'createOrganizationSigningKey',
  { inputFields: () => ({}) },
  { resolve: (_root, _args, ctx) => withFieldErrors(async () => ({ result: await createSigningKey(ctx.db, actorOf(ctx)) })) },
  { outputFields: payloadFields('result', CreatedSigningKey) },
);

builder.relayMutationField(
  'importOrganizationSigningKey',
  { inputFields: (t) => ({ publicKey: t.string({ required: true, description: 'RSA public key, PEM (SPKI or PKCS#1).' }) }) },
  {
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ organizationSigningKey: await importSigningKey(ctx.db, actorOf(ctx), input) })),
  },
  { outputFields: payloadFields('organizationSigningKey', SigningKey) },
);

builder.relayMutationField(
  'deleteOrganizationSigningKey',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        organizationSigningKey: await deleteSigningKey(ctx.db, actorOf(ctx), idOf('OrganizationSigningKey', String(input.id))),
      })),
  },
  { outputFields: payloadFields('organizationSigningKey', SigningKey) },
);
