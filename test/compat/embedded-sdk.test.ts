import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { embeddedJwtSigner } from '../support/embedded-jwt';
import { createHarness, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { listen } from './prism-cli';

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let sign: Awaited<ReturnType<typeof embeddedJwtSigner>>;

// The SDK is written for a browser page: init() and authenticate() touch these few document members.
const pageStub = {
  getElementById: () => null,
  querySelector: () => null,
  addEventListener: () => {},
  createElement: () => ({ innerHTML: '', querySelector: () => null }),
  body: { insertAdjacentHTML: () => {}, appendChild: () => {} },
  head: { insertAdjacentHTML: () => {} },
};

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  server = await listen(() => h.app);
  sign = await embeddedJwtSigner(h.app, org.adminToken);
  (globalThis as { document?: unknown }).document = pageStub;
});
afterAll(async () => {
  delete (globalThis as { document?: unknown }).document;
  await server.close();
  await h.close();
});

describe('@prismatic-io/embedded 4.14 against tenantflow', () => {
  it('authenticate() succeeds with an organization-signed JWT, and the embedded user then sees only its customer', async () => {
    const mine = await seedCustomer(h.database.db, org.admin, { name: 'Embedded Mine', externalId: 'emb-mine' });
    await seedCustomer(h.database.db, org.admin, { name: 'Embedded Other', externalId: 'emb-other' });
    const token = await sign({ sub: 'user-7', organization: encodeGlobalId('Organization', org.orgId), customer: 'emb-mine', name: 'Emma' });
    const prismatic = await import('@prismatic-io/embedded');
    prismatic.init({ prismaticUrl: server.url, skipPreload: true });
    await prismatic.authenticate({ token, prismaticUrl: server.url });
    const seen = await prismatic.graphqlRequest({ query: '{ authenticatedUser { name customer { id } } customers { nodes { name } } }' });
    expect(seen.data).toEqual({
      authenticatedUser: { name: 'Emma', customer: { id: encodeGlobalId('Customer', mine.id) } },
      customers: { nodes: [{ name: 'Embedded Mine' }] },
    });
  });

  it("authenticate() fails with the server's reason for a JWT signed by another key", async () => {
    const stranger = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'u', organization: encodeGlobalId('Organization', org.orgId), customer: 'emb-mine' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(stranger.privateKey);
    const prismatic = await import('@prismatic-io/embedded');
    prismatic.init({ prismaticUrl: server.url, skipPreload: true });
    await expect(prismatic.authenticate({ token, prismaticUrl: server.url })).rejects.toThrow(/Authentication failed\. Server sent back: .*signature/);
  });
});
