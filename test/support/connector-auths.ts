import type { App } from '../../src/http/app';
import { gql } from './harness';

export const CREATE_CONNECTOR_AUTH = `mutation($input: CreateConnectorAuthInput!) {
  createConnectorAuth(input: $input) {
    connectorAuth { id name customer { id } connection { key component { key } } inputs { nodes { name value hasValue } } }
    errors { field messages }
  }
}`;

/** Creates a connector auth through the API as the vendor's backend would; returns its global id. */
export async function createConnectorAuth(app: App, token: string, input: Record<string, unknown>): Promise<string> {
  const res = await gql(app, CREATE_CONNECTOR_AUTH, { input }, token);
  const payload = res.data?.createConnectorAuth;
  if (!payload?.connectorAuth) throw new Error(`createConnectorAuth failed: ${JSON.stringify(res)}`);
  return payload.connectorAuth.id as string;
}
