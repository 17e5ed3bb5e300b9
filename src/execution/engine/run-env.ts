import { openEnvVariables } from '../../domain/env-variables/run-values';
import type { EnvReads, Step } from '../../domain/integrations/definition';
import { RESERVED_SCOPE_NAMES } from '../../domain/integrations/definition';
import type { Vault } from '../../vault/vault';
import type { Db } from '../../db/client';
import type { RunContext } from './run-context';

/** The env variables one claim of a run reads: loaded once, before the first step, and only those read. */
export type RunEnv = {
  /** `env` in templates: name → value (JSON values as data). */
  values: Record<string, unknown>;
  /** What each step's own templates read, to fail the step that reads a missing variable by name. */
  reads: Map<Step, EnvReads>;
};

export async function loadRunEnv(db: Db, vault: Vault, ctx: RunContext, reads: Map<Step, EnvReads>): Promise<RunEnv> {
  const all = [...reads.values()].some((r) => r.all);
  const names = new Set([...reads.values()].flatMap((r) => [...r.names.keys()]));
  const values: Record<string, unknown> = {};
  if (!all && names.size === 0) return { values, reads };
  const opened = await openEnvVariables(db, vault, ctx.execution.orgId, all ? 'all' : [...names]);
  for (const variable of opened.values()) {
    values[variable.name] = variable.value;
    // A secret's text and every string inside it: a template may put either into a request or an output.
    if (variable.secretText !== null) {
      ctx.secrets.add(variable.secretText);
      for (const text of stringLeaves(variable.value)) ctx.secrets.add(text);
    }
  }
  return { values, reads };
}

/**
 * The scope entries env variables add: `env`, and each variable under its bare name unless that is a
 * scope name. Loop items are laid over this scope by the loop, so they win too.
 */
export function envScope(env: RunEnv): Record<string, unknown> {
  const bare = Object.entries(env.values).filter(([name]) => !RESERVED_SCOPE_NAMES.includes(name));
  return { ...Object.fromEntries(bare), env: env.values };
}

/** The first variable the step reads that the organization does not have, or null. */
export function missingEnvVariable(env: RunEnv, step: Step): string | null {
  for (const name of env.reads.get(step)?.names.keys() ?? []) if (!Object.hasOwn(env.values, name)) return name;
  return null;
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}
