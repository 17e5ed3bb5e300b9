import { findConnection, type ConnectionRecord } from '../../domain/components/registry';
import { stableUuid } from '../../domain/components/stable-ids';
import { findByStableKey, type ScopedConfigVariable as ScopedConfigVariableRow } from '../../domain/connections/scoped-config-variables';
import type { ConfigVar } from '../../domain/integrations/definition';
import { encodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import type { Context } from '../context';
import { actorOf } from '../lib/actor';
import { connectionOf } from '../lib/connection';
import { requestLoader } from '../lib/loaders';
import { Connection } from './component';
import { ScopedConfigVariable } from './scoped-config-variable';

/** A config variable of a definition, seen through one integration (its id is derived from both). */
export type RequiredConfigVariableShape = { integrationId: string; configVar: ConfigVar };

/*
 * Prismatic's RequiredConfigVariableDataType, in full. Definitions use six of them: string, number,
 * boolean, schedule and connection map by name; json maps to CODE with codeLanguage JSON (Prismatic's
 * JSON code editor), since JSONFORM means a form built from a JSON schema, which tenantflow has not.
 */
const DataType = builder.enumType('RequiredConfigVariableDataType', {
  values: [
    'BOOLEAN',
    'CODE',
    'CONNECTION',
    'CREDENTIAL',
    'DATE',
    'JSONFORM',
    'NUMBER',
    'OBJECTFIELDMAP',
    'OBJECTSELECTION',
    'PICKLIST',
    'SCHEDULE',
    'STRING',
    'TIMESTAMP',
  ] as const,
});
const CodeLanguage = builder.enumType('RequiredConfigVariableCodeLanguage', { values: ['HTML', 'JSON', 'XML'] as const });

const dataTypes = { string: 'STRING', number: 'NUMBER', boolean: 'BOOLEAN', json: 'CODE', schedule: 'SCHEDULE', connection: 'CONNECTION' } as const;

/** The reusable connection with this stable key in the caller's tenant (null when there is none, or it is hidden from the caller). */
export function scopedByStableKey(ctx: Context, stableKey: string): Promise<ScopedConfigVariableRow | null> {
  const loader = requestLoader<string, ScopedConfigVariableRow | null>(ctx, 'scopedByStableKey', (keys) =>
    Promise.all(keys.map((key) => findByStableKey(ctx.db, actorOf(ctx), key))),
  );
  return loader.load(stableKey);
}

/** A component connection by component key and connection key, once per request. */
export function connectionByRef(ctx: Context, component: string, key: string): Promise<ConnectionRecord | null> {
  const loader = requestLoader<string, ConnectionRecord | null>(ctx, 'connectionByRef', (refs) =>
    Promise.all(refs.map((ref) => findConnection(ctx.db, actorOf(ctx), ...(JSON.parse(ref) as [string, string])))),
  );
  return loader.load(JSON.stringify([component, key]));
}

export const requiredConfigVariableId = (integrationId: string, configVar: ConfigVar) =>
  encodeGlobalId('RequiredConfigVariable', stableUuid(`integration:${integrationId}:config-var:${configVar.stableKey ?? configVar.key}`));

export const RequiredConfigVariable = builder.objectRef<RequiredConfigVariableShape>('RequiredConfigVariable').implement({
  description: 'A value each instance of the integration supplies: a plain value, an inline connection, or a reusable connection named by stable key.',
  fields: (t) => ({
    id: t.id({ resolve: ({ integrationId, configVar }) => requiredConfigVariableId(integrationId, configVar) }),
    key: t.string({ resolve: ({ configVar }) => configVar.key }),
    stableKey: t.string({ nullable: true, resolve: ({ configVar }) => configVar.stableKey ?? null }),
    description: t.string({ nullable: true, resolve: ({ configVar }) => configVar.description ?? null }),
    dataType: t.field({ type: DataType, resolve: ({ configVar }) => dataTypes[configVar.dataType] }),
    codeLanguage: t.field({ type: CodeLanguage, nullable: true, resolve: ({ configVar }) => (configVar.dataType === 'json' ? 'JSON' : null) }),
    defaultValue: t.string({ nullable: true, resolve: ({ configVar }) => ('defaultValue' in configVar ? (configVar.defaultValue ?? null) : null) }),
    timeZone: t.string({ nullable: true, resolve: ({ configVar }) => (configVar.dataType === 'schedule' ? (configVar.timeZone ?? 'UTC') : null) }),
    useScopedConfigVar: t.string({
      nullable: true,
      description: 'The stable key of the reusable connection this connection uses, as the definition names it.',
      resolve: ({ configVar }) => (configVar.dataType === 'connection' ? (configVar.useScopedConfigVar ?? null) : null),
    }),
    scopedConfigVariable: t.field({
      type: ScopedConfigVariable,
      nullable: true,
      description: "The reusable connection with the definition's stable key in this tenant; null when this tenant has none.",
      resolve: ({ configVar }, _args, ctx) =>
        configVar.dataType === 'connection' && configVar.useScopedConfigVar !== undefined ? scopedByStableKey(ctx, configVar.useScopedConfigVar) : null,
    }),
    connection: t.field({
      type: Connection,
      nullable: true,
      description: 'For an inline connection: the component connection whose inputs each instance fills in.',
      resolve: ({ configVar }, _args, ctx) =>
        configVar.dataType === 'connection' && configVar.connection ? connectionByRef(ctx, configVar.connection.component, configVar.connection.key) : null,
    }),
  }),
});

export const RequiredConfigVariableConnection = connectionOf(RequiredConfigVariable, 'RequiredConfigVariable');
