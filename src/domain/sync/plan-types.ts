import type { DbOrTx } from '../../db/client';
import type { Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import type { ConnectionRecord } from '../components/registry';

export type SyncObjectKind = 'COMPONENT' | 'ENV_VARIABLE' | 'CONNECTION' | 'INTEGRATION' | 'CUSTOMER' | 'INSTANCE';
export type SyncAction = 'CREATE' | 'UPDATE' | 'UNCHANGED' | 'BLOCKED';
export type SyncProblemKind =
  | 'INVALID_BUNDLE'
  | 'MISSING_STABLE_KEY'
  | 'MISSING_REFERENCE'
  | 'IMMUTABLE_GLOBAL_VALUE'
  | 'MISSING_SECRET'
  | 'MISSING_CUSTOMER_VALUES'
  | 'INCOMPLETE_CONFIG'
  | 'UNAVAILABLE_VERSION'
  | 'CUSTOMER_MISMATCH';

/** One problem that stops an apply, naming the object (`<kind> "<key>"`) and what to do. */
export type SyncProblem = { kind: SyncProblemKind; object: string; message: string };

/**
 * One object of the bundle and what an apply does with it. `fields` names what changes (`flows.<stableKey>`,
 * `inputs.<name>` …); `notes` are what remains to do in the target afterwards (values to set), not problems.
 */
export type SyncPlanItem = { kind: SyncObjectKind; key: string; action: SyncAction; fields: string[]; notes: string[] };

/** What an apply writes, through the same domain functions as the API, inside the apply's transaction. */
export type ApplyContext = {
  tx: DbOrTx;
  vault: Vault;
  actor: Actor;
  /** Target ids of integrations (`integration:<stableKey>`) and customers (`customer:<externalId>`), existing or just created. */
  ids: Map<string, string>;
  findConnection: (component: string, connection: string) => Promise<ConnectionRecord | null>;
};
export type ApplyStep = (context: ApplyContext) => Promise<void>;

/** Collects a plan's items, problems and steps; each object is decided once, after its problems are known. */
export class PlanBuilder {
  readonly items: SyncPlanItem[] = [];
  readonly problems: SyncProblem[] = [];
  readonly steps: ApplyStep[] = [];

  problem(kind: SyncProblemKind, object: string, message: string) {
    this.problems.push({ kind, object, message });
  }

  /** Records the object: blocked when problems were added for it since `mark`, else create/update/unchanged. */
  decide(mark: number, item: { kind: SyncObjectKind; key: string; exists: boolean; fields: string[]; notes?: string[] }, step: ApplyStep | null) {
    const blocked = this.problems.length > mark;
    const action: SyncAction = blocked ? 'BLOCKED' : !item.exists ? 'CREATE' : item.fields.length > 0 ? 'UPDATE' : 'UNCHANGED';
    this.items.push({ kind: item.kind, key: item.key, action, fields: item.exists ? item.fields : [], notes: item.notes ?? [] });
    if ((action === 'CREATE' || action === 'UPDATE') && step) this.steps.push(step);
  }

  get mark() {
    return this.problems.length;
  }
}

/** `connection "acme-api-key"`: how problems and messages name an object of the bundle. */
export const objectName = (kind: SyncObjectKind, key: string) => `${kind.toLowerCase().replace('_', ' ')} "${key}"`;
