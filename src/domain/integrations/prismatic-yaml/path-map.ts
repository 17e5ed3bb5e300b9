import type { DefinitionError } from '../definition';

/**
 * Where each part of a converted definition came from in the Prismatic YAML, so problems found in the
 * converted definition (by the definition rules or against the tenant) name the place the author wrote:
 * tenantflow's `flows[0].steps[1]` is Prismatic's `flows[0].steps[2]` (the trigger is a step there).
 */
export class PathMap {
  private readonly entries: [tenantflow: string, prismatic: string][] = [];

  add(tenantflowPath: string, prismaticPath: string): void {
    this.entries.push([tenantflowPath, prismaticPath]);
  }

  /** The Prismatic path of a tenantflow path: its longest mapped prefix replaced. */
  translate(path: string): string {
    let best: [string, string] | null = null;
    for (const entry of this.entries) {
      const [prefix] = entry;
      const matches = path === prefix || path.startsWith(prefix + '.') || path.startsWith(prefix + '[');
      if (matches && (best === null || prefix.length > best[0].length)) best = entry;
    }
    return best ? best[1] + path.slice(best[0].length) : path;
  }

  translateErrors(errors: readonly DefinitionError[]): DefinitionError[] {
    return errors.map((error) => ({ path: this.translate(error.path), message: error.message }));
  }
}
