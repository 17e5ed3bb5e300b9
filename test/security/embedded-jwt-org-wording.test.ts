import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql } from '../support/harness';
import { seedOrg } from '../support/seed';

const h = createHarness();
afterAll(() => h.close());

const WHO = `{ authenticatedUser { id } }`;

describe('embedded JWT login wording (finding 10)', () => {
  it('answers a made-up token the same for an existing organization, one without keys and a missing one', async () => {
    const withKey = await seedOrg(h.database.db);
    const withoutKeys = await seedOrg(h.database.db);
    const own = await generateKeyPair('RS256', { extractable: true });
    await gql(
      h.app,
      `mutation($k: String!) { importOrganizationSigningKey(input: { publicKey: $k }) { errors { field } } }`,
      { k: await exportSPKI(own.publicKey) },
      withKey.adminToken,
    );
    const attacker = { RS256: await generateKeyPair('RS256'), RS512: await generateKeyPair('RS512') };
    const forge = (organization: string, alg: 'RS256' | 'RS512' = 'RS256') =>
      new SignJWT({ sub: 'x', organization, customer: 'c', customer_name: 'C' })
        .setProtectedHeader({ alg })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(attacker[alg].privateKey);
    const answers = async (alg: 'RS256' | 'RS512') =>
      Promise.all(
        [
          encodeGlobalId('Organization', withKey.orgId),
          encodeGlobalId('Organization', withoutKeys.orgId),
          encodeGlobalId('Organization', '00000000-0000-4000-8000-0000000000aa'),
        ].map(async (organization) => {
          const res = await gql(h.app, WHO, {}, await forge(organization, alg));
          return { status: res.status, errors: res.errors };
        }),
      );
    for (const alg of ['RS256', 'RS512'] as const) {
      const [existing, keyless, missing] = await answers(alg);
      expect(existing!.status).toBe(401);
      expect(keyless).toEqual(existing);
      expect(missing).toEqual(existing);
    }
  });
});
