import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { customerConfigVariables, userAuthentications, type OAuth2HolderKind, type SealedInputs } from '../../db/tables';
import type { KeyOwner, SecretSlot, Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { oauth2TypeOf, withInputDefaults } from '../components';
import type { ConnectionRecord } from '../components/registry';
import { connectionOfAuth, getConnectorAuth } from '../connections/connector-auths';
import { getCustomerConfigVariable } from '../connections/customer-config-variables';
import { connectionOf, getScopedConfigVariable } from '../connections/scoped-config-variables';
import { invalid, NotFoundError } from '../errors';
import { getInstance, inlineSlot, inlineTokenHolderId, instanceDefinitionsOf } from '../instances';
import { findConnection } from '../components/registry';
import { connectionOfRef, type UserAuthenticationConnection } from '../user-authentications/connection-refs';

/**
 * Anything that holds an OAuth2 authorization-code credential. The tokens live in `oauth2_tokens` under
 * `holderId`, the same id the engine records as the step's credential id.
 */
export type OAuth2Holder = OAuth2Client & {
  kind: OAuth2HolderKind;
  holderId: string;
  owner: KeyOwner;
};

/** What an authorization needs of a connection: its definition and its client inputs. */
export type OAuth2Client = {
  connection: ConnectionRecord;
  /** The connection's inputs (client id and secret, URLs, scopes), still sealed; later sources win. */
  sealed: { owner: KeyOwner; values: SealedInputs; slot: (field: string) => SecretSlot }[];
};

/** How a client names a holder: a global id's type and id, plus the config variable's key for an instance's inline connection. */
export type HolderTarget = { typeName: string; id: string; configVariableKey?: string | null };

/** The GraphQL type of each holder kind: how a client names a holder (`target`, `OAuth2Credential.holder`). */
const HOLDER_TYPE_NAMES: Record<OAuth2HolderKind, string> = {
  CUSTOMER_CONFIG_VARIABLE: 'CustomerConfigVariable',
  CONNECTOR_AUTH: 'ConnectorAuth',
  INSTANCE_CONFIG_VARIABLE: 'Instance',
  USER_AUTHENTICATION: 'UserAuthentication',
};

/** A stored holder as a client names it; an inline connection's holder id is `<instance uuid>/<config var key>`. */
export function holderTarget(kind: OAuth2HolderKind, holderId: string): HolderTarget {
  if (kind !== 'INSTANCE_CONFIG_VARIABLE') return { typeName: HOLDER_TYPE_NAMES[kind], id: holderId };
  const slash = holderId.indexOf('/');
  return { typeName: HOLDER_TYPE_NAMES[kind], id: holderId.slice(0, slash), configVariableKey: holderId.slice(slash + 1) };
}

export type OAuth2ClientInputs = {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  inputs: Record<string, string>;
};

/** The holder a client names by global id, as the caller may see it; refuses holders of non-authorization-code connections. */
export async function loadHolder(db: DbOrTx, actor: Actor, target: HolderTarget): Promise<OAuth2Holder> {
  return requireAuthorizationCode(await loadByType(db, actor, target));
}

function requireAuthorizationCode<T extends OAuth2Client>(client: T): T {
  if (oauth2TypeOf(client.connection.definition) !== 'AUTHORIZATION_CODE') {
    throw invalid('target', `Connection "${client.connection.component.key}/${client.connection.key}" does not use the OAuth 2.0 authorization-code flow.`);
  }
  return client;
}

async function loadByType(db: DbOrTx, actor: Actor, target: HolderTarget): Promise<OAuth2Holder> {
  const ownSlot = (record: string) => (field: string) => ({ record, field });
  switch (target.typeName) {
    case 'CustomerConfigVariable': {
      const ccv = await getCustomerConfigVariable(db, actor, target.id);
      const scv = await getScopedConfigVariable(db, actor, ccv.scopedConfigVariableId);
      const owner = { orgId: ccv.orgId, customerId: ccv.customerId };
      return {
        kind: 'CUSTOMER_CONFIG_VARIABLE',
        holderId: ccv.id,
        owner,
        connection: await connectionOf(db, actor, scv),
        sealed: [
          { owner: { orgId: scv.orgId, customerId: null }, values: scv.globalValues, slot: ownSlot(scv.id) },
          { owner, values: ccv.values, slot: ownSlot(ccv.id) },
        ],
      };
    }
    case 'ConnectorAuth': {
      const auth = await getConnectorAuth(db, actor, target.id);
      const connection = await connectionOfAuth(db, actor, auth);
      if (!connection) throw invalid('target', `Connection "${auth.componentKey}/${auth.connectionKey}" no longer exists.`);
      const owner = { orgId: auth.orgId, customerId: auth.customerId };
      return { kind: 'CONNECTOR_AUTH', holderId: auth.id, owner, connection, sealed: [{ owner, values: auth.values, slot: ownSlot(auth.id) }] };
    }
    case 'UserAuthentication': {
      // Only the user it belongs to may authorize it: nobody authenticates on another user's behalf.
      const [row] = await db
        .select()
        .from(userAuthentications)
        .where(and(eq(userAuthentications.orgId, actor.orgId), eq(userAuthentications.id, target.id), eq(userAuthentications.userId, actor.userId)));
      const connection = row ? connectionOfRef(row.connectionRef) : null;
      if (!row || !connection) throw new NotFoundError();
      const owner = { orgId: row.orgId, customerId: row.customerId };
      return { kind: 'USER_AUTHENTICATION', holderId: row.id, owner, ...(await userConnectionClient(db, actor, connection)) };
    }
    case 'Instance':
      return loadInlineHolder(db, actor, target.id, target.configVariableKey ?? '');
    default:
      throw invalid('target', 'Must be the id of a CustomerConfigVariable, a ConnectorAuth, or an Instance (with configVariableKey).');
  }
}

/**
 * The client of a connection as the signed-in user authenticates on it: an inline connection's instance
 * values, or a reusable connection's global values and those of the user's customer where it has some.
 */
export async function userConnectionClient(db: DbOrTx, actor: Actor, connection: UserAuthenticationConnection): Promise<OAuth2Client> {
  const ownSlot = (record: string) => (field: string) => ({ record, field });
  if (connection.kind === 'inline') {
    const inline = await findInlineConnection(db, actor, connection.instanceId, connection.configVariableKey);
    return requireAuthorizationCode({ connection: inline.connection, sealed: inline.sealed });
  }
  const scv = await getScopedConfigVariable(db, actor, connection.scopedConfigVariableId);
  const [ccv] = actor.customerId
    ? await db
        .select()
        .from(customerConfigVariables)
        .where(and(eq(customerConfigVariables.scopedConfigVariableId, scv.id), eq(customerConfigVariables.customerId, actor.customerId)))
    : [];
  return requireAuthorizationCode({
    connection: await connectionOf(db, actor, scv),
    sealed: [
      { owner: { orgId: scv.orgId, customerId: null }, values: scv.globalValues, slot: ownSlot(scv.id) },
      ...(ccv ? [{ owner: { orgId: ccv.orgId, customerId: ccv.customerId }, values: ccv.values, slot: ownSlot(ccv.id) }] : []),
    ],
  });
}

/** An instance's own (inline) connection values for one connection config variable of the flow it runs. */
async function loadInlineHolder(db: DbOrTx, actor: Actor, instanceId: string, key: string): Promise<OAuth2Holder> {
  const inline = await findInlineConnection(db, actor, instanceId, key);
  return {
    kind: 'INSTANCE_CONFIG_VARIABLE',
    // The credential id the engine records for an inline connection (resolve-credential.ts), so runs find these tokens.
    holderId: inlineTokenHolderId(instanceId, key),
    owner: inline.sealed[0]!.owner,
    connection: inline.connection,
    sealed: inline.sealed,
  };
}

/**
 * An instance's inline connection as the caller may see it: the config variable of the definition the
 * instance runs, its component connection, and the instance's values (still sealed).
 */
export async function findInlineConnection(db: DbOrTx, actor: Actor, instanceId: string, key: string) {
  if (!key) throw invalid('configVariableKey', 'Name the connection config variable of the instance whose inline connection to authorize.');
  const instance = await getInstance(db, actor, instanceId);
  const bound = instance.configValues[key];
  const [definitions] = await instanceDefinitionsOf(db, [instance]);
  const configVar = definitions!.running.requiredConfigVars?.find((cv) => cv.key === key);
  if (configVar?.dataType !== 'connection' || !configVar.connection || bound?.kind !== 'inline') {
    throw invalid('configVariableKey', `Instance config variable "${key}" is not an inline connection of this instance.`);
  }
  const connection = await findConnection(db, actor, configVar.connection.component, configVar.connection.key);
  if (!connection)
    throw invalid('configVariableKey', `Connection "${configVar.connection.component}/${configVar.connection.key}" does not exist in this tenant.`);
  const owner = { orgId: instance.orgId, customerId: instance.customerId };
  return {
    instance,
    configVar,
    connection,
    sealed: [{ owner, values: bound.values, slot: (field: string) => inlineSlot(instance.id, key, field) }],
  };
}

/** Opens the holder's connection inputs (with defaults) for a token request; kept in memory only. */
export async function openClientInputs(db: DbOrTx, vault: Vault, client: OAuth2Client): Promise<OAuth2ClientInputs> {
  const items = client.sealed.flatMap((source) =>
    Object.entries(source.values).map(([name, sealed]) => ({ name, owner: source.owner, slot: source.slot(name), sealed })),
  );
  const opened = await vault.openMany(db, items);
  const values: Record<string, string> = {};
  items.forEach((item, i) => {
    if (opened[i] != null) values[item.name] = opened[i]!;
  });
  const inputs = withInputDefaults(client.connection.definition.inputs, values);
  return {
    authorizeUrl: inputs.authorizeUrl ?? '',
    tokenUrl: inputs.tokenUrl ?? '',
    clientId: inputs.clientId ?? '',
    clientSecret: inputs.clientSecret ?? '',
    scopes: inputs.scopes ?? '',
    inputs,
  };
}
