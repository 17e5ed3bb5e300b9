import { InvalidInputError, NotFoundError } from '../domain/errors';

/** One JSON document on stdout: what `--json` promises a script. */
export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Rows as tab-separated columns under a header, which both people and `cut -f` read. */
export function printTable(header: string[], rows: (string | number | null)[][]) {
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell) => cell ?? '-').join('\t')}\n`);
}

/**
 * What the operator can fix is reported on stderr naming the option, with exit code 2; anything else is
 * rethrown to the fatal-error path.
 */
export function reportInputError(error: unknown, optionOf: (field: string) => string = (field) => `--${field}`) {
  if (error instanceof InvalidInputError) {
    for (const { field, messages } of error.fieldErrors) process.stderr.write(`${optionOf(field)}: ${messages.join(' ')}\n`);
  } else if (error instanceof NotFoundError) {
    process.stderr.write('Not found in this organization.\n');
  } else {
    throw error;
  }
  process.exitCode = 2;
}
