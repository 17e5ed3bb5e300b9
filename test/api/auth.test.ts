import { generateKeyPair, exportSPKI, SignJWT, type CryptoKey } from 'jose';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, customers, users } from '../../src/db/tables';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

const WHO = `{ authenticatedUser { id name email org { id name } customer { id name externalId } } }`;

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('API tokens', () => {
  it('answers who the caller is', async () => {
    const res = await gql(h.app, WHO, {}, org.adminToken);
    expect(res.data.authenticatedUser).toMatchObject({
      id: encodeGlobalId('User', org.admin.userId),
      name: 'Ada Admin',
      org: { id: encodeGlobalId('Organization', org.orgId) },
      customer: null,
    });
  });

  it('requires authentication, with a 401 for a bad token', async () => {
    const anonymous = await gql(h.app, WHO);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await gql(h.app, WHO, {}, 'tf_not-a-real-token');
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.message).toBe('Invalid or revoked API token.');
    const res = await h.app.fetch('http://127.0.0.1/api', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
      body: JSON.stringify({ query: WHO }),
    });
    expect(res.status).toBe(401);
  });

  it('shows a created token once, stores only its hash, and stops accepting it once revoked', async () => {
    const created = await gql(
      h.app,
      `mutation { createApiToken(input: { name: "ci" }) { result { token apiToken { id name } } errors { field messages } } }`,
      {},
      org.adminToken,
    );
    const { token, apiToken } = created.data.createApiToken.result;
    expect(token).toMatch(/^tf_[A-Za-z0-9_-]{43}$/);
    const stored = await h.database.db.select().from(apiTokens).where(eq(apiTokens.orgId, org.orgId));
    expect(stored.some((row) => row.tokenHash.includes(token) || row.tokenHash === token)).toBe(false);
    expect((await gql(h.app, WHO, {}, token)).data.authenticatedUser.name).toBe('Ada Admin');

    const listed = await gql(h.app, `{ apiTokens { nodes { id name revokedAt } } }`, {}, org.adminToken);
    expect(JSON.stringify(listed)).not.toContain(token);
    const revoked = await gql(
      h.app,
      `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { revokedAt } errors { field } } }`,
      { id: apiToken.id },
      org.adminToken,
    );
    expect(revoked.data.revokeApiToken.apiToken.revokedAt).not.toBeNull();
    expect((await gql(h.app, WHO, {}, token)).status).toBe(401);
  });

  it('rejects a token without a name', async () => {
    const res = await gql(h.app, `mutation { createApiToken(input: { name: " " }) { result { token } errors { field messages } } }`, {}, org.adminToken);
    expect(res.data.createApiToken).toEqual({ result: null, errors: [{ field: 'name', messages: ['This field is required.'] }] });
  });
});

describe('embedded users (RS256 JWT signed with the organization key)', () => {
  let privateKey: CryptoKey;
  let orgGlobalId: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const imported = await gql(
      h.app,
      `mutation($k: String!) { importOrganizationSigningKey(input: { publicKey: $k }) { organizationSigningKey { id imported } errors { field messages } } }`,
      { k: await exportSPKI(pair.publicKey) },
      org.adminToken,
    );
    expect(imported.data.importOrganizationSigningKey.errors).toEqual([]);
    orgGlobalId = encodeGlobalId('Organization', org.orgId);
  });

  const sign = (claims: Record<string, unknown>, key: CryptoKey = privateKey, expiresIn: string | number = '10m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(key);

  it('accepts a valid token and acts as a customer user of that customer', async () => {
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Embedded Co', externalId: 'emb-1' });
    const jwt = await sign({ sub: 'user-42', organization: orgGlobalId, customer: 'emb-1', name: 'Erin Embedded' });
    const res = await gql(h.app, WHO, {}, jwt);
    expect(res.data.authenticatedUser).toMatchObject({
      name: 'Erin Embedded',
      customer: { id: encodeGlobalId('Customer', customer.id), externalId: 'emb-1' },
    });
    const again = await gql(h.app, WHO, {}, jwt);
    expect(again.data.authenticatedUser.id).toBe(res.data.authenticatedUser.id);
  });

  it('creates the customer from customer_name when the external id is new', async () => {
    const jwt = await sign({ sub: 'u1', organization: orgGlobalId, customer: 'brand-new', customer_name: 'Brand New Inc' });
    const res = await gql(h.app, WHO, {}, jwt);
    expect(res.data.authenticatedUser.customer).toMatchObject({ name: 'Brand New Inc', externalId: 'brand-new' });
  });

  it('creates the customer exactly once under concurrent first logins', async () => {
    const jwt = await sign({ sub: 'u2', organization: orgGlobalId, customer: 'race-emb', customer_name: 'Race Embedded' });
    const results = await Promise.all(Array.from({ length: 6 }, () => gql(h.app, WHO, {}, jwt)));
    expect(results.every((r) => r.data?.authenticatedUser?.customer?.externalId === 'race-emb')).toBe(true);
    const rows = await h.database.db.select().from(customers).where(eq(customers.externalId, 'race-emb'));
    expect(rows).toHaveLength(1);
    expect(await h.database.db.select().from(users).where(eq(users.customerId, rows[0]!.id))).toHaveLength(1);
  });

  describe('rejects, with a 401 and nothing created', () => {
    const cases: [string, () => Promise<string>, string][] = [
      [
        'a token signed by another key',
        async () => sign({ sub: 'x', organization: orgGlobalId, customer: 'rej-1', customer_name: 'Rej 1' }, (await generateKeyPair('RS256')).privateKey),
        'the signature does not match any signing key of the organization.',
      ],
      [
        'an expired token',
        () => sign({ sub: 'x', organization: orgGlobalId, customer: 'rej-2', customer_name: 'Rej 2' }, privateKey, Math.floor(Date.now() / 1000) - 60),
        'the token has expired.',
      ],
      [
        'an unknown organization',
        () =>
          sign({ sub: 'x', organization: encodeGlobalId('Organization', '00000000-0000-4000-8000-000000000001'), customer: 'rej-3', customer_name: 'Rej 3' }),
        'the signature does not match any signing key of the organization.',
      ],
      [
        'an HS256 token',
        () =>
          new SignJWT({ sub: 'x', organization: orgGlobalId, customer: 'rej-4', customer_name: 'Rej 4' })
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef')),
        'tokens must be signed with RS256.',
      ],
      [
        'an unsigned (alg none) token',
        async () =>
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', organization: orgGlobalId, customer: 'rej-5', customer_name: 'Rej 5', iat: 1, exp: 9999999999 })).toString('base64url')}.`,
        'tokens must be signed with RS256.',
      ],
      ['a token without sub', () => sign({ organization: orgGlobalId, customer: 'rej-6', customer_name: 'Rej 6' }), 'sub claim: missing.'],
      [
        'an unknown customer without customer_name',
        () => sign({ sub: 'x', organization: orgGlobalId, customer: 'rej-7' }),
        'no customer has external id "rej-7" (send customer_name to create it).',
      ],
      ['a token that is not a JWT', async () => 'garbage', 'not a JWT.'],
    ];
    it.each(cases)('%s', async (_label, makeToken, why) => {
      const res = await gql(h.app, WHO, {}, await makeToken());
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.message).toBe(`Invalid embedded token: ${why}`);
      const created = await h.database.db.select().from(customers).where(eq(customers.orgId, org.orgId));
      expect(created.some((c) => c.externalId?.startsWith('rej-'))).toBe(false);
    });
  });

  it('generates a key pair whose private key is returned once and signs accepted tokens', async () => {
    const res = await gql(
      h.app,
      `mutation { createOrganizationSigningKey(input: {}) { result { privateKey signingKey { id privateKeyPreview imported } } errors { field } } }`,
      {},
      org.adminToken,
    );
    const { privateKey: pem, signingKey } = res.data.createOrganizationSigningKey.result;
    expect(pem).toContain('BEGIN PRIVATE KEY');
    expect(signingKey.imported).toBe(false);
    expect(pem.replace(/-----[A-Z ]+-----|\s/g, '').endsWith(signingKey.privateKeyPreview)).toBe(true);
    const listed = await gql(h.app, `{ organization { signingKeys { totalCount nodes { id privateKeyPreview } } } }`, {}, org.adminToken);
    expect(JSON.stringify(listed)).not.toContain('BEGIN PRIVATE KEY');
    const { importPKCS8 } = await import('jose');
    const jwt = await sign({ sub: 'gen', organization: orgGlobalId, customer: 'gen-co', customer_name: 'Gen Co' }, await importPKCS8(pem, 'RS256'));
    expect((await gql(h.app, WHO, {}, jwt)).data.authenticatedUser.customer.externalId).toBe('gen-co');
  });

  it('rejects an imported key that is not an RSA public key', async () => {
    const res = await gql(
      h.app,
      `mutation { importOrganizationSigningKey(input: { publicKey: "nope" }) { organizationSigningKey { id } errors { field messages } } }`,
      {},
      org.adminToken,
    );
    expect(res.data.importOrganizationSigningKey.errors).toEqual([
      { field: 'publicKey', messages: ['Must be an RSA public key in PEM format (-----BEGIN PUBLIC KEY-----).'] },
    ]);
  });
});
