import type { App } from '../../src/http/app';
import { gql } from './harness';

/** The global id of a catalog connection, looked up through the API as a client would. */
export async function connectionId(app: App, token: string, component: string, connection: string): Promise<string> {
  const res = await gql(app, `query($key: String) { components(key: $key) { nodes { connections { nodes { id key } } } } }`, { key: component }, token);
  const found = res.data.components.nodes[0].connections.nodes.find((c: { key: string }) => c.key === connection);
  if (!found) throw new Error(`no connection ${component}/${connection}`);
  return found.id;
}

export const CREATE_SCV = `mutation($input: CreateScopedConfigVariableInput!) {
  createScopedConfigVariable(input: $input) {
    scopedConfigVariable { id key stableKey variableScope managedBy inputs { nodes { name value hasValue meta } } }
    errors { field messages }
  }
}`;

export const CREATE_CCV = `mutation($input: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $input) {
    customerConfigVariable { id isTest customer { id } inputs { nodes { name value hasValue } } }
    errors { field messages }
  }
}`;

export async function createScoped(app: App, token: string, input: Record<string, unknown>) {
  const res = await gql(app, CREATE_SCV, { input }, token);
  const payload = res.data?.createScopedConfigVariable;
  if (!payload?.scopedConfigVariable) throw new Error(`createScopedConfigVariable failed: ${JSON.stringify(res)}`);
  return payload.scopedConfigVariable as { id: string; stableKey: string };
}

export async function createCustomerValues(app: App, token: string, input: Record<string, unknown>) {
  const res = await gql(app, CREATE_CCV, { input }, token);
  const payload = res.data?.createCustomerConfigVariable;
  if (!payload?.customerConfigVariable) throw new Error(`createCustomerConfigVariable failed: ${JSON.stringify(res)}`);
  return payload.customerConfigVariable as { id: string };
}
