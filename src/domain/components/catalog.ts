import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packagePath } from '../../lib/package-root';
import { parseComponentDefinition } from './definition';
import type { ComponentDefinition } from './types';

/*
 * The built-in components ship as YAML next to this file, one component per file named after its key.
 * A broken built-in is a bug in this repository, so loading throws (naming the file and the path) instead
 * of returning errors: the server must not start with a half-loaded catalog.
 */

const CATALOG_DIR = packagePath('src/domain/components/catalog');

let cached: readonly ComponentDefinition[] | undefined;

/** Every built-in component, sorted by key; loaded and validated once, then frozen and shared. */
export function loadBuiltinCatalog(): readonly ComponentDefinition[] {
  cached ??= deepFreeze(loadCatalogDirectory(CATALOG_DIR));
  return cached;
}

export function findBuiltinComponent(key: string): ComponentDefinition | undefined {
  return loadBuiltinCatalog().find((component) => component.key === key);
}

/** Reads and validates every *.yaml / *.yml file of a directory (exported for tests with fixtures). */
export function loadCatalogDirectory(directory: string): ComponentDefinition[] {
  const files = readdirSync(directory)
    .filter((name) => ['.yaml', '.yml'].includes(extname(name)))
    .sort();
  const components = files.map((name) => loadComponentFile(join(directory, name)));
  const seen = new Set<string>();
  for (const component of components) {
    if (seen.has(component.key)) throw new Error(`component key "${component.key}" is defined twice in ${directory}`);
    seen.add(component.key);
  }
  return components.sort((a, b) => a.key.localeCompare(b.key));
}

function loadComponentFile(file: string): ComponentDefinition {
  const name = basename(file);
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`built-in component ${name} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const result = parseComponentDefinition(document);
  if (!result.ok) {
    const problems = result.errors.map((error) => `  ${error.path || '(root)'}: ${error.message}`).join('\n');
    throw new Error(`built-in component ${name} is invalid:\n${problems}`);
  }
  // Named after its key, so the file for a component is found without opening every file.
  const expected = basename(name, extname(name));
  if (result.value.key !== expected) {
    throw new Error(`built-in component ${name} has key "${result.value.key}"; its file must be named ${result.value.key}.yaml`);
  }
  return result.value;
}

// Callers share one cached catalog; freezing stops one of them from changing it under the others.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
