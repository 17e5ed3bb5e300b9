import type { DbOrTx } from '../../db/client';
import type { OAuth2HolderKind, SealedInputs } from '../../db/tables';
import type { KeyOwner, SecretSlot, Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { oauth2TypeOf, withInputDefaults } from '../components';
import type { ConnectionRecord } from '../components/registry';
import { connectionOfAuth, getConnectorAuth } from '../connections/connector-auths';
import { getCustomerConfigVariable } from '../connections/customer-config-variables';
import { connectionOf, getScopedConfigVariable } from '../connections/scoped-config-variables';
import { invalid } from '../errors';

/**
 * Anything that holds an OAuth2 authorization-code credential. The tokens live in `oauth2_tokens` under
 * `holderId`, the same id the engine records as the step's credential id. A new kind (user authentications)
 * only adds a case to `loadHolder`.
 */
export type OAuth2Holder = {
  kind: OAuth2HolderKind;
  holderId: string;
  owner: KeyOwner;
  connection: ConnectionRecord;
  /** The connection's inputs (client id and secret, URLs, scopes), still sealed; later sources win. */
  sealed: { owner: KeyOwner; values: SealedInputs; slot: (field: string) => SecretSlot }[];
};

/** The GraphQL type of each holder kind: how a client names a holder (`target`, `OAuth2Credential.holder`). */
export const HOLDER_TYPE_NAMES: Record<OAuth2HolderKind, string> = { CUSTOMER_CONFIG_VARIABLE: 'CustomerConfigVariable', CONNECTOR_AUTH: 'ConnectorAuth' };

export type OAuth2ClientInputs = {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  inputs: Record<string, string>;
};

/** The holder a client names by global id, as the caller may see it; refuses holders of non-authorization-code connections. */
export async function loadHolder(db: DbOrTx, actor: Actor, target: { typeName: string; id: string }): Promise<OAuth2Holder> {
  const holder = await loadByType(db, actor, target);
  if (oauth2TypeOf(holder.connection.definition) !== 'AUTHORIZATION_CODE') {
    throw invalid('target', `Connection "${holder.connection.component.key}/${holder.connection.key}" does not use the OAuth 2.0 authorization-code flow.`);
  }
  return holder;
}

async function loadByType(db: DbOrTx, actor: Actor, target: { typeName: string; id: string }): Promise<OAuth2Holder> {
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
    default:
      throw invalid('target', 'Must be the id of a CustomerConfigVariable or a ConnectorAuth.');
  }
}

/** Opens the holder's connection inputs (with defaults) for a token request; kept in memory only. */
export async function openClientInputs(db: DbOrTx, vault: Vault, holder: OAuth2Holder): Promise<OAuth2ClientInputs> {
  const items = holder.sealed.flatMap((source) =>
    Object.entries(source.values).map(([name, sealed]) => ({ name, owner: source.owner, slot: source.slot(name), sealed })),
  );
  const opened = await vault.openMany(db, items);
  const values: Record<string, string> = {};
  items.forEach((item, i) => {
    if (opened[i] != null) values[item.name] = opened[i]!;
  });
  const inputs = withInputDefaults(holder.connection.definition.inputs, values);
  return {
    authorizeUrl: inputs.authorizeUrl ?? '',
    tokenUrl: inputs.tokenUrl ?? '',
    clientId: inputs.clientId ?? '',
    clientSecret: inputs.clientSecret ?? '',
    scopes: inputs.scopes ?? '',
    inputs,
  };
}
