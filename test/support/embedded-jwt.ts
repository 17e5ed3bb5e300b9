import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { expect } from 'vitest';
import type { App } from '../../src/http/app';
import { gql } from './harness';

/**
 * Gives the organization a fresh RS256 signing key (importOrganizationSigningKey) and returns a signer of
 * embedded-user JWTs with it, valid for 10 minutes.
 */
export async function embeddedJwtSigner(app: App, adminToken: string) {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const imported = await gql(
    app,
    `mutation($k: String!) { importOrganizationSigningKey(input: { publicKey: $k }) { errors { field messages } } }`,
    { k: await exportSPKI(pair.publicKey) },
    adminToken,
  );
  expect(imported.data.importOrganizationSigningKey.errors).toEqual([]);
  return (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('10m').sign(pair.privateKey);
}
