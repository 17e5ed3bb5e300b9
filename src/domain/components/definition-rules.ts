import { explicitApplyTarget, impliedApply, OAUTH2_ACCESS_TOKEN_KEY, oauth2TypeOf, requiredInputsFor } from './auth-kinds';
import type { RawActionDefinition, RawComponentDefinition, RawConnectionDefinition } from './definition';
import { impliedDestinationInputs } from './destination';
import { formatPath } from './path';
import { containsLiquidMarkup, templateProblems, templateSyntaxError, type TemplateScope } from './templates';
import type {
  ActionDefinition,
  ComponentDefinition,
  ConnectionDefinition,
  ConnectionDestination,
  DefinitionError,
  InputFieldDefinition,
  JsonValue,
  ParseResult,
} from './types';

/*
 * Rules that relate values of a well-shaped definition to each other. Every rule reports with the path
 * of the value to fix, and all rules run so an author sees every problem at once.
 */

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/** `connection: none` on an action means "needs no credential" (see resolveActionConnection). */
const NO_CONNECTION = 'none';

export function checkComponentRules(raw: RawComponentDefinition): ParseResult<ComponentDefinition> {
  const errors: DefinitionError[] = [];
  const report: Report = (path, message) => errors.push({ path: formatPath(path), message });

  checkUniqueKeys(raw.connections, ['connections'], 'connection', report);
  const connections = raw.connections.map((connection, index) => normaliseConnection(connection, ['connections', index], report));
  checkUniqueKeys(raw.actions, ['actions'], 'action', report);
  const actions = raw.actions.map((action, index) => normaliseAction(action, ['actions', index], connections, report));

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { ...raw, connections, actions } };
}

function normaliseConnection(raw: RawConnectionDefinition, path: Path, report: Report): ConnectionDefinition {
  checkInputFields(raw.inputs, [...path, 'inputs'], report);
  const inputIndex = (key: string) => raw.inputs.findIndex((input) => input.key === key);

  if (raw.key === NO_CONNECTION && raw.authKind !== 'none') {
    report([...path, 'key'], `the key "${NO_CONNECTION}" is reserved for a connection with authKind none`);
  }
  for (const required of requiredInputsFor(raw.authKind, raw.apply !== undefined)) {
    const index = inputIndex(required.key);
    if (index < 0) {
      report([...path, 'inputs'], `${raw.authKind} connections need an input "${required.key}"`);
    } else if (required.secret && raw.inputs[index]?.type !== 'PASSWORD') {
      report([...path, 'inputs', index, 'type'], `"${required.key}" holds a secret, so its type must be PASSWORD`);
    }
  }
  if (oauth2TypeOf(raw) !== null && inputIndex(OAUTH2_ACCESS_TOKEN_KEY) >= 0) {
    report(
      [...path, 'inputs', inputIndex(OAUTH2_ACCESS_TOKEN_KEY), 'key'],
      `"${OAUTH2_ACCESS_TOKEN_KEY}" is reserved: OAuth2 connections receive their current access token under that name`,
    );
  }
  if (raw.supportsUserAuthentication && raw.authKind !== 'oauth2_authorization_code') {
    report([...path, 'supportsUserAuthentication'], 'only oauth2_authorization_code connections support user authentications');
  }
  const target = explicitApplyTarget(raw.authKind);
  if (target && Object.keys(raw.apply?.[target] ?? {}).length === 0) {
    report([...path, 'apply', target], `${raw.authKind} connections must put their credential in apply.${target}`);
  }

  const scope: TemplateScope = { connection: connectionFields(raw) };
  if (raw.baseUrl !== undefined) checkTemplate(raw.baseUrl, [...path, 'baseUrl'], scope, report);
  checkTemplateMap(raw.apply?.headers, [...path, 'apply', 'headers'], scope, report);
  checkTemplateMap(raw.apply?.query, [...path, 'apply', 'query'], scope, report);

  const apply = raw.apply ? { headers: raw.apply.headers ?? {}, query: raw.apply.query ?? {} } : (impliedApply(raw.authKind) ?? { headers: {}, query: {} });
  return { ...raw, apply, destination: normaliseDestination(raw, path, report) };
}

// Declared destination inputs must be inputs of this connection and not secrets; implied ones are added.
function normaliseDestination(raw: RawConnectionDefinition, path: Path, report: Report): ConnectionDestination {
  const declared = raw.destination?.inputs ?? [];
  declared.forEach((key, index) => {
    const input = raw.inputs.find((candidate) => candidate.key === key);
    if (!input) report([...path, 'destination', 'inputs', index], `unknown input "${key}"; the destination is decided by inputs of this connection`);
    else if (input.type === 'PASSWORD')
      report([...path, 'destination', 'inputs', index], `"${key}" is a secret (PASSWORD); a destination input says where secrets go`);
  });
  const implied = raw.baseUrl === undefined || templateSyntaxError(raw.baseUrl) === undefined ? impliedDestinationInputs(raw) : [];
  return { inputs: [...new Set([...declared, ...implied])], hosts: [...new Set(raw.destination?.hosts ?? [])] };
}

function normaliseAction(raw: RawActionDefinition, path: Path, connections: ConnectionDefinition[], report: Report): ActionDefinition {
  checkInputFields(raw.inputs, [...path, 'inputs'], report);
  const resolved = resolveActionConnection(raw.connection, connections);
  const request = { ...raw.request, headers: raw.request.headers ?? {}, query: raw.request.query ?? {} };
  const action = { ...raw, connection: resolved.connection?.key ?? null, request };
  if (resolved.unknown) {
    const known = connections.map((connection) => `"${connection.key}"`).join(', ') || 'none';
    report([...path, 'connection'], `unknown connection "${raw.connection}"; this component has ${known} (use "${NO_CONNECTION}" for no credential)`);
    return action; // Its templates' connection.* reads cannot be judged against an unknown connection.
  }

  const scope: TemplateScope = { inputs: new Set(raw.inputs.map((input) => input.key)) };
  if (resolved.connection) scope.connection = connectionFields(resolved.connection);
  const requestPath = [...path, 'request'];
  if (containsLiquidMarkup(request.method)) checkTemplate(request.method, [...requestPath, 'method'], scope, report);
  checkTemplate(request.url, [...requestPath, 'url'], scope, report);
  checkTemplateMap(request.headers, [...requestPath, 'headers'], scope, report);
  checkTemplateMap(request.query, [...requestPath, 'query'], scope, report);
  if (request.jsonHeaders !== undefined) {
    checkTemplate(request.jsonHeaders, [...requestPath, 'jsonHeaders'], scope, report);
  }
  if (request.body !== undefined) {
    forEachStringLeaf(request.body, [...requestPath, 'body'], (text, leafPath) => checkTemplate(text, leafPath, scope, report));
  }

  if (!isAbsoluteOrDecidedAtRunTime(request.url) && resolved.connection?.baseUrl === undefined) {
    report(
      [...requestPath, 'url'],
      resolved.connection
        ? `a relative URL needs a baseUrl on connection "${resolved.connection.key}"`
        : 'a relative URL needs a connection with a baseUrl; this action uses no connection',
    );
  }
  return action;
}

/**
 * Which connection an action's templates are checked against: the one it names, or the component's first
 * connection when it names none. "none" means no credential — unless the component has a connection keyed
 * "none", which must then have authKind none (checked above), so both readings send no credential.
 */
function resolveActionConnection(
  requested: string | undefined,
  connections: ConnectionDefinition[],
): { connection: ConnectionDefinition | undefined; unknown: boolean } {
  if (requested === undefined) return { connection: connections[0], unknown: false };
  const connection = connections.find((candidate) => candidate.key === requested);
  if (connection) return { connection, unknown: false };
  return { connection: undefined, unknown: requested !== NO_CONNECTION };
}

// What `connection.*` offers templates: the connection's inputs, plus the runtime's token for OAuth2.
function connectionFields(connection: Pick<ConnectionDefinition, 'authKind' | 'inputs'>): Set<string> {
  const fields = new Set(connection.inputs.map((input) => input.key));
  if (oauth2TypeOf(connection) !== null) fields.add(OAUTH2_ACCESS_TOKEN_KEY);
  return fields;
}

function checkInputFields(inputs: InputFieldDefinition[], path: Path, report: Report): void {
  checkUniqueKeys(inputs, path, 'input', report);
  inputs.forEach((input, index) => {
    if (!input.shown && input.default === undefined) {
      report([...path, index, 'default'], 'a hidden input (shown: false) needs a default, since nobody can enter it');
    }
  });
}

function checkUniqueKeys(items: { key: string }[], path: Path, noun: string, report: Report): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const first = firstIndex.get(item.key);
    if (first === undefined) firstIndex.set(item.key, index);
    else report([...path, index, 'key'], `duplicate ${noun} key "${item.key}" (first at ${formatPath([...path, first, 'key'])})`);
  });
}

function checkTemplate(text: string, path: Path, scope: TemplateScope, report: Report): void {
  for (const problem of templateProblems(text, scope)) report(path, problem);
}

// Header names may be templates too, so both sides of each entry are checked.
function checkTemplateMap(entries: Record<string, string> | undefined, path: Path, scope: TemplateScope, report: Report): void {
  for (const [name, value] of Object.entries(entries ?? {})) {
    if (containsLiquidMarkup(name)) checkTemplate(name, [...path, name], scope, report);
    checkTemplate(value, [...path, name], scope, report);
  }
}

function forEachStringLeaf(value: JsonValue, path: Path, visit: (text: string, path: Path) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => forEachStringLeaf(item, [...path, index], visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) forEachStringLeaf(item, [...path, key], visit);
  }
}

// A URL starting with markup (`{{ inputs.url }}`) may render absolute or relative; that is judged at run time.
function isAbsoluteOrDecidedAtRunTime(url: string): boolean {
  const start = url.trimStart();
  return /^https?:\/\//i.test(start) || start.startsWith('{{') || start.startsWith('{%');
}
