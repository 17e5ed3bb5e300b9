import { liquid } from './engine';

/**
 * The variables a template reads from its scope, as paths of static segments: `{{ env.X | size }}` gives
 * `['env', 'X']`. Names the template defines itself (`assign`, `for` items, `forloop`) are not included.
 * A dynamic segment (`env[trigger.body.key]`) ends the path there. A template that does not parse reads
 * nothing (the definition rules report it).
 */
export function scopeReads(src: string): string[][] {
  if (!src.includes('{{') && !src.includes('{%')) return [];
  try {
    return liquid.globalVariableSegmentsSync(src).map((segments) => {
      const path: string[] = [];
      for (const segment of segments) {
        if (typeof segment !== 'string' && typeof segment !== 'number') break;
        path.push(String(segment));
      }
      return path;
    });
  } catch {
    return [];
  }
}
