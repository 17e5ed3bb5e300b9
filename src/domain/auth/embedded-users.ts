import { and, eq, sql } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload } from 'jose';
import type { Db, DbOrTx } from '../../db/client';
import { customers, signingKeys, users } from '../../db/tables';
import { decodeGlobalId } from '../../lib/global-id';
import type { Actor } from '../actor';
import { UnauthenticatedError } from '../errors';

type EmbeddedClaims = JWTPayload & {
  sub: string;
  organization: string;
  customer: string;
  name?: string;
  customer_name?: string;
  role?: string;
};

/**
 * Prismatic's embedded `role` claim: `admin` or `user` (`member`, tenantflow's word, too). Without it the user
 * is the customer's admin, as embedded users were before the claim. The token decides on every sign-in, so
 * the vendor's app can demote a user by signing the next token differently.
 */
const EMBEDDED_ROLES: Record<string, 'customer_admin' | 'customer_member'> = { admin: 'customer_admin', user: 'customer_member', member: 'customer_member' };

const externalIdIsSet = sql`${users.externalId} is not null`;

const reject = (why: string) => new UnauthenticatedError(`Invalid embedded token: ${why}`);

// A leaked embedded token is a customer's session: it must not outlive a working day, and a token "issued"
// in the future (a skewed or forged clock) would stretch that.
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
const CLOCK_SKEW_SECONDS = 60;

// One answer for an unknown organization, one without keys and a wrong signature, so a made-up token
// cannot tell which organization ids exist.
const UNVERIFIED = 'the signature does not match any signing key of the organization.';

/**
 * Verifies an RS256 JWT signed with one of the organization's keys and returns the customer user it stands for.
 * Everything is checked before anything is written, so a rejected token creates no customer and no user.
 */
export async function authenticateEmbeddedUser(db: Db, jwt: string): Promise<Actor> {
  const claims = await verifyEmbeddedJwt(db, jwt);
  return db.transaction(async (tx) => {
    const orgId = decodeGlobalId(claims.organization)!.id;
    const customerId = await findOrCreateCustomer(tx, orgId, claims);
    const name = claims.name?.trim() || claims.sub;
    const role = EMBEDDED_ROLES[claims.role ?? 'admin']!;
    const [user] = await tx
      .insert(users)
      .values({ orgId, customerId, role, name, externalId: claims.sub })
      .onConflictDoUpdate({
        target: [users.customerId, users.externalId],
        targetWhere: externalIdIsSet,
        set: { name, role },
      })
      .returning({ id: users.id });
    return { orgId, userId: user!.id, role, customerId };
  });
}

async function verifyEmbeddedJwt(db: Db, jwt: string): Promise<EmbeddedClaims> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(jwt);
  } catch {
    throw reject('not a JWT.');
  }
  if (headerAlgorithm(jwt) !== 'RS256') throw reject('tokens must be signed with RS256.');
  const org = typeof unverified.organization === 'string' ? decodeGlobalId(unverified.organization) : null;
  if (!org || org.typeName !== 'Organization') throw reject(UNVERIFIED);
  const keys = await db.select({ publicKey: signingKeys.publicKey }).from(signingKeys).where(eq(signingKeys.orgId, org.id));
  if (keys.length === 0) throw reject(UNVERIFIED);

  let lastError: unknown;
  for (const { publicKey } of keys) {
    try {
      const { payload } = await jwtVerify(jwt, await importSPKI(publicKey, 'RS256'), {
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'customer', 'iat', 'exp'],
      });
      if (typeof payload.customer !== 'string' || !payload.customer) throw reject('the customer claim must be a string.');
      if (payload.role !== undefined && !(typeof payload.role === 'string' && Object.hasOwn(EMBEDDED_ROLES, payload.role))) {
        throw reject('role claim: must be "admin" or "user" (or "member").');
      }
      checkLifetime(payload);
      return payload as EmbeddedClaims;
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw explain(error);
      lastError = error;
    }
  }
  throw explain(lastError);
}

function headerAlgorithm(jwt: string): unknown {
  try {
    return decodeProtectedHeader(jwt).alg;
  } catch {
    return undefined;
  }
}

function checkLifetime(payload: JWTPayload) {
  const now = Math.floor(Date.now() / 1000);
  if (payload.iat! > now + CLOCK_SKEW_SECONDS) throw reject('iat claim: the token is issued in the future.');
  if (payload.exp! > now + MAX_LIFETIME_SECONDS) throw reject('exp claim: a token may be valid for at most 24 hours from now.');
}

function explain(error: unknown): Error {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof joseErrors.JWTExpired) return reject('the token has expired.');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return reject('tokens must be signed with RS256.');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return reject(UNVERIFIED);
  if (error instanceof joseErrors.JWTClaimValidationFailed) return reject(`${error.claim} claim: ${error.reason === 'missing' ? 'missing' : error.message}.`);
  return reject('the token could not be verified.');
}

async function findOrCreateCustomer(db: DbOrTx, orgId: string, claims: EmbeddedClaims): Promise<string> {
  const byExternalId = and(eq(customers.orgId, orgId), eq(customers.externalId, claims.customer));
  const [existing] = await db.select({ id: customers.id }).from(customers).where(byExternalId);
  if (existing) return existing.id;
  const customerName = claims.customer_name?.trim();
  if (!customerName) throw reject(`no customer has external id "${claims.customer}" (send customer_name to create it).`);
  // Concurrent first logins of one new customer: the unique index lets exactly one insert win.
  await db.insert(customers).values({ orgId, name: customerName, externalId: claims.customer }).onConflictDoNothing();
  const [created] = await db.select({ id: customers.id }).from(customers).where(byExternalId);
  if (!created) throw reject(`a customer named "${customerName}" already exists with another external id.`);
  return created.id;
}
