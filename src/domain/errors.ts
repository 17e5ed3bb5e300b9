/** A problem the caller can fix, attached to the input field that has it (`__all__` when none does). */
export type FieldError = { field: string; messages: string[] };

export type DomainErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'INVALID_INPUT';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** Missing and foreign records are the same error, so nobody learns that another organization's id exists. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor() {
    super('Record not found');
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(action: string) {
    super(`You are not allowed to ${action}.`);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class InvalidInputError extends DomainError {
  readonly code = 'INVALID_INPUT';
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map((e) => `${e.field}: ${e.messages.join(' ')}`).join('; '));
  }
}

/** Collects every problem of an input before anything is written, so one round trip reports them all. */
export class FieldErrors {
  private readonly byField = new Map<string, string[]>();

  add(field: string, message: string) {
    const messages = this.byField.get(field) ?? [];
    messages.push(message);
    this.byField.set(field, messages);
    return this;
  }

  get size() {
    return this.byField.size;
  }

  throwIfAny() {
    if (this.byField.size > 0) throw new InvalidInputError(this.list());
  }

  list(): FieldError[] {
    return [...this.byField].map(([field, messages]) => ({ field, messages }));
  }
}

export function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError([{ field, messages: [message] }]);
}
