import { and, count, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { components } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { escapeLike } from '../../db/like';
import { ForbiddenError, invalid, InvalidInputError, NotFoundError } from '../errors';
import type { Page, PageResult, Sort } from '../pagination';
import { findBuiltinComponent, loadBuiltinCatalog } from './catalog';
import { parseDefinitionText } from './definition-text';
import { actionId, builtinComponentId, connectionId, inputFieldId } from './stable-ids';
import type { ActionDefinition, ComponentDefinition, ConnectionDefinition, InputFieldDefinition } from './types';
import { matchesKeyOrLabel, type KeyOrLabelFilter } from './filter-query';

/*
 * Which components an organization can use: the built-in catalog (code, the same for everyone, `public`)
 * and its own private components (rows of `components`, imported from YAML/JSON). Connections and input
 * fields are parts of a definition, not rows; their ids are derived from the component id and their keys.
 */

export { inputFieldId } from './stable-ids';

export type ComponentRecord = {
  id: string;
  /** null for built-ins, which belong to no organization. */
  orgId: string | null;
  key: string;
  label: string;
  description: string | null;
  public: boolean;
  definition: ComponentDefinition;
  createdAt: Date | null;
};

export type ConnectionRecord = { id: string; key: string; component: ComponentRecord; definition: ConnectionDefinition };

/** An action of a component; `isTrigger`/`isDataSource` are Prismatic's kinds, which no tenantflow action is. */
export type ActionRecord = { id: string; key: string; component: ComponentRecord; definition: ActionDefinition; isTrigger: false; isDataSource: false };

/** An input of a connection or of an action. */
export type InputFieldRecord = { id: string; key: string; definition: InputFieldDefinition };

export type ActionFilter = { isTrigger?: boolean | null; isDataSource?: boolean | null };
export type ActionSortField = 'KEY' | 'LABEL';

export type ComponentFilter = {
  key?: string | null;
  public?: boolean | null;
  labelIcontains?: string | null;
  keyOrLabelIn?: KeyOrLabelFilter | null;
};

type ComponentRow = typeof components.$inferSelect;

export function connectionsOf(component: ComponentRecord): ConnectionRecord[] {
  return component.definition.connections.map((definition) => ({
    id: connectionId(component.id, definition.key),
    key: definition.key,
    component,
    definition,
  }));
}

export function actionsOf(component: ComponentRecord): ActionRecord[] {
  return component.definition.actions.map((definition) => ({
    id: actionId(component.id, definition.key),
    key: definition.key,
    component,
    definition,
    isTrigger: false,
    isDataSource: false,
  }));
}

export function inputFieldsOf(owner: ConnectionRecord | ActionRecord): InputFieldRecord[] {
  return owner.definition.inputs.map((definition) => ({ id: inputFieldId(owner.id, definition.key), key: definition.key, definition }));
}

/** One page of a component's actions of the kinds asked for (a kind left out: either), in definition order unless sorted. */
export function listActions(component: ComponentRecord, filter: ActionFilter, sorts: Sort<ActionSortField>[], page: Page): PageResult<ActionRecord> {
  const matching = actionsOf(component).filter(
    (action) =>
      (filter.isTrigger == null || action.isTrigger === filter.isTrigger) && (filter.isDataSource == null || action.isDataSource === filter.isDataSource),
  );
  const [sort] = sorts;
  if (sort) {
    const valueOf = (action: ActionRecord) => (sort.field === 'LABEL' ? action.definition.label : action.key);
    const sign = sort.direction === 'DESC' ? -1 : 1;
    matching.sort((a, b) => sign * valueOf(a).localeCompare(valueOf(b)));
  }
  return { rows: matching.slice(page.offset, page.offset + page.limit), totalCount: matching.length };
}

// ---- reads ----------------------------------------------------------------------------------------

export async function listComponents(db: DbOrTx, actor: Actor, filter: ComponentFilter, page: Page): Promise<PageResult<ComponentRecord>> {
  // One list: the built-ins (by key) come first, then the organization's private components (by key).
  const builtins = filter.public === false ? [] : builtinIndex().list.filter((record) => matchesFilter(record, filter));
  const builtinRows = builtins.slice(page.offset, page.offset + page.limit);
  if (filter.public === true) return { rows: builtinRows, totalCount: builtins.length };

  const where = privateFilter(actor, filter);
  const limit = page.limit - builtinRows.length;
  const [rows, [total]] = await Promise.all([
    limit > 0
      ? db
          .select()
          .from(components)
          .where(where)
          .orderBy(keyOrder)
          .limit(limit)
          .offset(Math.max(0, page.offset - builtins.length))
      : Promise.resolve([]),
    db.select({ n: count() }).from(components).where(where),
  ]);
  return { rows: [...builtinRows, ...rows.map(privateRecord)], totalCount: builtins.length + (total?.n ?? 0) };
}

/** A built-in, or a private component of the actor's organization; anything else is "Record not found". */
export async function getComponent(db: DbOrTx, actor: Actor, id: string): Promise<ComponentRecord> {
  const [record] = await getComponentsByIds(db, actor, [id]);
  if (!record) throw new NotFoundError();
  return record;
}

/** Loads many by id for dataloaders, in no particular order; ids the actor may not see are absent. */
export async function getComponentsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<ComponentRecord[]> {
  const { byId } = builtinIndex();
  const builtins = ids.flatMap((id) => byId.get(id) ?? []);
  const others = ids.filter((id) => !byId.has(id));
  if (others.length === 0) return builtins;
  const rows = await db
    .select()
    .from(components)
    .where(and(eq(components.orgId, actor.orgId), inArray(components.id, others)));
  return [...builtins, ...rows.map(privateRecord)];
}

export async function findComponentByKey(db: DbOrTx, actor: Actor, key: string): Promise<ComponentRecord | null> {
  const builtin = builtinIndex().byKey.get(key);
  if (builtin) return builtin;
  const [row] = await db
    .select()
    .from(components)
    .where(and(eq(components.orgId, actor.orgId), eq(components.key, key)));
  return row ? privateRecord(row) : null;
}

export async function getConnection(db: DbOrTx, actor: Actor, id: string): Promise<ConnectionRecord> {
  const [record] = await getConnectionsByIds(db, actor, [id]);
  if (!record) throw new NotFoundError();
  return record;
}

export async function getConnectionsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<ConnectionRecord[]> {
  const { connections } = builtinIndex();
  const found = ids.flatMap((id) => connections.get(id) ?? []);
  const others = new Set(ids.filter((id) => !connections.has(id)));
  if (others.size === 0) return found;
  // A derived id cannot be looked up in SQL; an organization has few private components, so derive them all.
  for (const component of await privateComponentsOf(db, actor)) {
    found.push(...connectionsOf(component).filter((connection) => others.has(connection.id)));
  }
  return found;
}

/** The connection `connectionKey` of the component `componentKey` the actor can use, or null. */
export async function findConnection(db: DbOrTx, actor: Actor, componentKey: string, connectionKey: string): Promise<ConnectionRecord | null> {
  const component = await findComponentByKey(db, actor, componentKey);
  return (component && connectionsOf(component).find((connection) => connection.key === connectionKey)) ?? null;
}

export async function getActionsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<ActionRecord[]> {
  const { actions } = builtinIndex();
  const found = ids.flatMap((id) => actions.get(id) ?? []);
  const others = new Set(ids.filter((id) => !actions.has(id)));
  if (others.size === 0) return found;
  for (const component of await privateComponentsOf(db, actor)) {
    found.push(...actionsOf(component).filter((action) => others.has(action.id)));
  }
  return found;
}

export async function getInputFieldsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<InputFieldRecord[]> {
  const { inputFields } = builtinIndex();
  const found = ids.flatMap((id) => inputFields.get(id) ?? []);
  const others = new Set(ids.filter((id) => !inputFields.has(id)));
  if (others.size === 0) return found;
  for (const component of await privateComponentsOf(db, actor)) {
    found.push(...inputFieldsOfComponent(component).filter((input) => others.has(input.id)));
  }
  return found;
}

const inputFieldsOfComponent = (component: ComponentRecord) => [...connectionsOf(component), ...actionsOf(component)].flatMap(inputFieldsOf);

// ---- writes ---------------------------------------------------------------------------------------

/**
 * Adds a private component from its YAML or JSON definition, or replaces the definition of the one with
 * the same key (like Prismatic's publish): the id stays, so connection and input ids stay too.
 */
export async function importComponent(db: DbOrTx, actor: Actor, input: { definition: string }): Promise<ComponentRecord> {
  requireOrgAdmin(actor, 'import components');
  const parsed = parseDefinitionText(input.definition);
  if (!parsed.ok) throw new InvalidInputError([{ field: 'definition', messages: parsed.messages }]);
  const definition = parsed.value;
  if (findBuiltinComponent(definition.key)) {
    throw invalid('definition', `key: "${definition.key}" is a built-in component`);
  }
  // One statement, so concurrent imports of one key serialise on the unique index and leave one row.
  const [row] = await db
    .insert(components)
    .values({ orgId: actor.orgId, key: definition.key, label: definition.label, definition })
    .onConflictDoUpdate({
      target: [components.orgId, components.key],
      set: { label: definition.label, definition, updatedAt: sql`now()` },
    })
    .returning();
  return privateRecord(row!);
}

export async function deleteComponent(db: DbOrTx, actor: Actor, id: string): Promise<ComponentRecord> {
  const existing = await getComponent(db, actor, id);
  if (existing.public) throw new ForbiddenError('delete a built-in component');
  requireOrgAdmin(actor, 'delete components');
  await db.delete(components).where(and(eq(components.orgId, actor.orgId), eq(components.id, existing.id)));
  return existing;
}

// ---- helpers --------------------------------------------------------------------------------------

// Byte order, the same as the built-ins' sort below, so the list order does not depend on the collation.
const keyOrder = sql`${components.key} collate "C"`;

function privateFilter(actor: Actor, filter: ComponentFilter): SQL {
  const conditions: SQL[] = [eq(components.orgId, actor.orgId)];
  if (filter.key != null) conditions.push(eq(components.key, filter.key));
  if (filter.labelIcontains != null) conditions.push(ilike(components.label, `%${escapeLike(filter.labelIcontains)}%`));
  if (filter.keyOrLabelIn) {
    const terms = filter.keyOrLabelIn.map((term) => {
      const column = term.field === 'key' ? components.key : components.label;
      if (term.contains != null) return ilike(column, `%${escapeLike(term.contains)}%`);
      return term.anyOf?.length ? inArray(column, term.anyOf) : sql`false`;
    });
    conditions.push(or(sql`false`, ...terms)!);
  }
  return and(...conditions)!;
}

function matchesFilter(record: ComponentRecord, filter: ComponentFilter): boolean {
  if (filter.key != null && record.key !== filter.key) return false;
  if (filter.labelIcontains != null && !record.label.toLowerCase().includes(filter.labelIcontains.toLowerCase())) {
    return false;
  }
  if (filter.keyOrLabelIn && !matchesKeyOrLabel(record, filter.keyOrLabelIn)) return false;
  return true;
}

async function privateComponentsOf(db: DbOrTx, actor: Actor): Promise<ComponentRecord[]> {
  const rows = await db.select().from(components).where(eq(components.orgId, actor.orgId));
  return rows.map(privateRecord);
}

function privateRecord(row: ComponentRow): ComponentRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    key: row.key,
    label: row.label,
    description: row.definition.description ?? null,
    public: false,
    definition: row.definition,
    createdAt: row.createdAt,
  };
}

type BuiltinIndex = {
  list: ComponentRecord[];
  byId: Map<string, ComponentRecord>;
  byKey: Map<string, ComponentRecord>;
  connections: Map<string, ConnectionRecord>;
  actions: Map<string, ActionRecord>;
  inputFields: Map<string, InputFieldRecord>;
};

let builtinIndexCache: BuiltinIndex | undefined;

// The catalog is fixed for the life of the process, so its records and derived ids are computed once.
function builtinIndex(): BuiltinIndex {
  if (builtinIndexCache) return builtinIndexCache;
  const list = [...loadBuiltinCatalog()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((definition): ComponentRecord => ({
      id: builtinComponentId(definition.key),
      orgId: null,
      key: definition.key,
      label: definition.label,
      description: definition.description ?? null,
      public: true,
      definition,
      createdAt: null,
    }));
  const connections = list.flatMap(connectionsOf);
  builtinIndexCache = {
    list,
    byId: new Map(list.map((record) => [record.id, record])),
    byKey: new Map(list.map((record) => [record.key, record])),
    connections: new Map(connections.map((record) => [record.id, record])),
    actions: new Map(list.flatMap(actionsOf).map((record) => [record.id, record])),
    inputFields: new Map(list.flatMap(inputFieldsOfComponent).map((record) => [record.id, record])),
  };
  return builtinIndexCache;
}
