import { eq } from 'drizzle-orm';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../../src/db/tables';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

const h = createHarness();
afterAll(() => h.close());

const WHO = `{ authenticatedUser { customer { externalId } } }`;
let org: SeededOrg;
let privateKey: CryptoKey;

beforeAll(async () => {
  org = await seedOrg(h.database.db);
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const imported = await gql(
    h.app,
    `mutation($k: String!) { importOrganizationSigningKey(input: { publicKey: $k }) { errors { field } } }`,
    { k: await exportSPKI(pair.publicKey) },
    org.adminToken,
  );
  expect(imported.data.importOrganizationSigningKey.errors).toEqual([]);
});

const now = () => Math.floor(Date.now() / 1000);
const sign = (customer: string, times: { iat: number; exp: number }) =>
  new SignJWT({ sub: 'u', organization: encodeGlobalId('Organization', org.orgId), customer, customer_name: customer })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(times.iat)
    .setExpirationTime(times.exp)
    .sign(privateKey);

async function expectRefused(jwt: string, externalId: string, why: string) {
  const res = await gql(h.app, WHO, {}, jwt);
  expect(res.status).toBe(401);
  expect(res.errors?.[0]?.message).toBe(`Invalid embedded token: ${why}`);
  const created = await h.database.db.select().from(customers).where(eq(customers.orgId, org.orgId));
  expect(created.map((c) => c.externalId)).not.toContain(externalId);
}

describe('embedded JWT lifetime (finding 10)', () => {
  it('refuses a token that expires 100 years from now', async () => {
    await expectRefused(
      await sign('century', { iat: now(), exp: now() + 100 * 365 * 24 * 3600 }),
      'century',
      'exp claim: a token may be valid for at most 24 hours from now.',
    );
  });

  it('refuses a token issued in the future beyond a minute of clock skew', async () => {
    await expectRefused(await sign('future', { iat: now() + 3600, exp: now() + 7200 }), 'future', 'iat claim: the token is issued in the future.');
  });

  it('accepts a token valid for 23 hours, issued within the clock skew', async () => {
    const res = await gql(h.app, WHO, {}, await sign('day-long', { iat: now() + 30, exp: now() + 23 * 3600 }));
    expect(res.errors).toBeUndefined();
    expect(res.data.authenticatedUser.customer.externalId).toBe('day-long');
  });
});
