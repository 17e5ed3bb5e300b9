/**
 * The component catalog's vocabulary: a component (connector) is data — its connection types (how a
 * credential is described and put on a request) and its actions (declarative HTTP requests).
 * These are the *validated, normalised* shapes `parseComponentDefinition` returns; defaults are filled in
 * and implied rules made explicit, so consumers never re-derive them.
 */

export const AUTH_KINDS = [
  'api_key_header',
  'api_key_query',
  'basic',
  'username_password',
  'bearer',
  'oauth2_authorization_code',
  'oauth2_client_credentials',
  'oauth2_password',
  'none',
] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** Prismatic's `InputFieldType` enum, exactly (reference/prismatic-api.md §7). */
export const INPUT_FIELD_TYPES = [
  'BOOLEAN',
  'CODE',
  'CONDITIONAL',
  'CONNECTION',
  'DATA',
  'DATE',
  'DYNAMICFIELDSELECTION',
  'DYNAMICOBJECTSELECTION',
  'FLOW',
  'JSONFORM',
  'OBJECTFIELDMAP',
  'OBJECTSELECTION',
  'PASSWORD',
  'STRING',
  'TEMPLATE',
  'TEXT',
  'TIMESTAMP',
] as const;
export type InputFieldType = (typeof INPUT_FIELD_TYPES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface InputFieldDefinition {
  /** An identifier (`apiKey`), because templates reach it as `connection.apiKey` / `inputs.apiKey`. */
  key: string;
  label: string;
  type: InputFieldType;
  required: boolean;
  /** false: hidden from integrators and deployers; such a field always has a `default`. */
  shown: boolean;
  default?: string;
  example?: string;
  comments?: string;
  placeholder?: string;
}

/**
 * How a credential is put on an outgoing request: header and query-parameter templates over
 * `connection.<inputKey>` (and `connection.accessToken` for OAuth2 kinds). Header names may be templates
 * too (the generic http component takes the header name as an input).
 */
export interface CredentialApply {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/**
 * Where a connection's requests may go (destination.ts). `inputs` always includes the implied ones (those
 * the baseUrl reads; OAuth2 token and authorize URLs), so consumers never re-derive them.
 */
export interface ConnectionDestination {
  /** Inputs that decide where requests (and so the secrets) go: whoever sets a secret must set these too. */
  inputs: string[];
  /** Host patterns (`api.example.com`, `*.zendesk.com`) requests may reach; empty: any host. */
  hosts: string[];
}

export interface ConnectionDefinition {
  /** Slug; stable across tenants, so connections are matched by it when integrations move. */
  key: string;
  label: string;
  comments?: string;
  authKind: AuthKind;
  inputs: InputFieldDefinition[];
  /** Template over `connection.*`; relative action URLs are joined onto the rendered value. */
  baseUrl?: string;
  /** Always present: written out in the definition or implied by `authKind` (see auth-kinds.ts). */
  apply: CredentialApply;
  destination: ConnectionDestination;
  /** OAuth 2.0 authorization code: extra query parameters of the authorize URL (Google's access_type=offline). */
  authorizeParams?: Record<string, string>;
  /** Seed 002: an admin may enable user authentications on connections of this type (authorization code only). */
  supportsUserAuthentication: boolean;
}

export interface ActionRequest {
  /** An HTTP method, or a template rendering to one (the generic http action takes it as an input). */
  method: HttpMethod | (string & {});
  /** Template; joined onto the connection's baseUrl unless it renders to an http(s):// URL. */
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /**
   * Template rendering to a JSON object of header names to string values (or to an empty string for
   * none), merged over `headers`; for actions whose headers arrive as one JSON input.
   */
  jsonHeaders?: string;
  /** JSON whose string leaves are templates; a string body is sent as rendered. */
  body?: JsonValue;
}

export interface ActionDefinition {
  key: string;
  label: string;
  description?: string;
  /**
   * Key of the component connection the action expects, whose inputs its templates may reference;
   * null when the action needs no credential.
   */
  connection: string | null;
  inputs: InputFieldDefinition[];
  request: ActionRequest;
}

export interface ComponentDefinition {
  key: string;
  label: string;
  description?: string;
  connections: ConnectionDefinition[];
  /** May be empty: a component can exist only for its connection (e.g. sftp, used by non-HTTP steps). */
  actions: ActionDefinition[];
}

export interface DefinitionError {
  /** Where the problem is, e.g. `connections[0].inputs[1].key`; empty for the whole definition. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: DefinitionError[] };
