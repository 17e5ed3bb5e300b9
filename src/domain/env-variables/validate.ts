import type { EnvValueType } from '../../db/tables';
import { IDENTIFIER_PATTERN } from '../integrations/definition';
import type { FieldErrors } from '../errors';

/** Longest name; names are typed into templates, so they stay short. */
export const ENV_NAME_MAX_LENGTH = 200;
/**
 * Largest value, in UTF-8 bytes: the seed's map of customer → connector auth ids for 10,000 customers with
 * a few ids each fits; every run that reads the variable loads it whole.
 */
export const ENV_VALUE_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Names are identifiers (no spaces, no dots) so a template can say `env.FlowNameAuthenticationIds` or the
 * bare name without quoting.
 */
export function checkEnvName(name: string, errors: FieldErrors): void {
  if (name.length === 0) errors.add('name', 'This field is required.');
  else if (name.length > ENV_NAME_MAX_LENGTH) errors.add('name', `Must be at most ${ENV_NAME_MAX_LENGTH} characters.`);
  else if (!IDENTIFIER_PATTERN.test(name)) {
    errors.add('name', `"${name}" is not a valid name: use letters, digits and _ only (no spaces), not starting with a digit.`);
  }
}

/** A JSON value must parse, so templates receive it as an object; the message never repeats the value. */
export function checkEnvValue(value: string, valueType: EnvValueType, errors: FieldErrors): void {
  if (Buffer.byteLength(value, 'utf8') > ENV_VALUE_MAX_BYTES) {
    errors.add('value', `Must be at most ${ENV_VALUE_MAX_BYTES} bytes.`);
    return;
  }
  if (valueType !== 'JSON') return;
  try {
    JSON.parse(value);
  } catch (error) {
    errors.add('value', `Must be JSON text (valueType JSON): ${jsonProblem(error)}.`);
  }
}

/** Node's JSON.parse message quotes the text around the problem; only its position is safe to repeat. */
function jsonProblem(error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  return position === undefined ? 'it does not parse' : `it does not parse (at position ${position})`;
}

/** The value as templates see it: JSON as data, text as text. */
export function envTemplateValue(text: string, valueType: EnvValueType): unknown {
  return valueType === 'JSON' ? JSON.parse(text) : text;
}
