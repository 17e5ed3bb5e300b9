import { getOrganization, type Organization as OrganizationRow } from '../../domain/organizations/organizations';
import { builder } from '../builder';
import { listSigningKeys } from '../../domain/organizations/signing-keys';
import { actorOf } from '../lib/actor';
import { resolveConnection } from '../lib/connection';
import { SigningKey, SigningKeyConnection } from './signing-key';

export const Organization = builder.loadableNode('Organization', {
  id: { resolve: (org: OrganizationRow) => org.id },
  // A caller only ever sees its own organization, so other ids load as "not found".
  load: async (ids: string[], ctx) => {
    const org = await getOrganization(ctx.db, actorOf(ctx));
    return ids.map((id) => (id === org.id ? org : null)) as OrganizationRow[];
  },
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    // OAuth 2.0 callback redirects
    allowedRedirectOrigins: t.exposeStringList('allowedRedirectOrigins'),
    signingKeys: t.connection(
      {
        type: SigningKey,
        resolve: (_org, args, ctx, info) =>
          resolveConnection(
            args,
            async (page) => {
              const all = await listSigningKeys(ctx.db, actorOf(ctx));
              return { rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length };
            },
            info,
          ),
      },
      SigningKeyConnection,
    ),
  }),
});

builder.queryField('organization', (t) => t.field({ type: Organization, resolve: (_root, _args, ctx) => getOrganization(ctx.db, actorOf(ctx)) }));
