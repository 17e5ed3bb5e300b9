import { FieldErrors } from '../errors';

export type CustomerFields = {
  name?: string | null;
  externalId?: string | null;
  description?: string | null;
  labels?: (string | null)[] | null;
  allowEmbeddedDesigner?: boolean | null;
  concurrentExecutionLimit?: number | null;
};

const MAX_TEXT = 255;

/** Checks every field present in the input; absent fields are left alone (update semantics). */
export function validateCustomerFields(input: CustomerFields, errors: FieldErrors, { creating }: { creating: boolean }) {
  if (creating || input.name !== undefined) {
    if (input.name == null || input.name.trim() === '') errors.add('name', 'This field is required.');
    else if (input.name.length > MAX_TEXT) errors.add('name', `Must be at most ${MAX_TEXT} characters.`);
  }
  if (input.externalId != null) {
    if (input.externalId.trim() === '') errors.add('externalId', 'Must not be blank; omit it or send null instead.');
    else if (input.externalId.length > MAX_TEXT) errors.add('externalId', `Must be at most ${MAX_TEXT} characters.`);
  }
  if (input.description != null && input.description.length > 4000) {
    errors.add('description', 'Must be at most 4000 characters.');
  }
  if (input.labels != null) {
    if (input.labels.some((label) => label == null || label.trim() === '')) errors.add('labels', 'Labels must not be blank.');
    else if (input.labels.some((label) => label!.length > 64)) errors.add('labels', 'Each label must be at most 64 characters.');
  }
  if (input.concurrentExecutionLimit != null && input.concurrentExecutionLimit < 1) {
    errors.add('concurrentExecutionLimit', 'Must be at least 1.');
  }
}

/** Maps a unique index of the customers table to the input field whose value collided. */
export const customerUniqueFields: Record<string, { field: string; message: string }> = {
  customers_org_name_key: { field: 'name', message: 'A customer with this name already exists.' },
  customers_org_external_id_key: { field: 'externalId', message: 'A customer with this external id already exists.' },
};
