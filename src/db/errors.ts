/** The constraint a unique violation hit, or null when the error is something else. */
export function uniqueViolation(error: unknown): string | null {
  const e = (error as { cause?: unknown })?.cause ?? error;
  const pgError = e as { code?: string; constraint?: string };
  return pgError?.code === '23505' ? (pgError.constraint ?? '') : null;
}
