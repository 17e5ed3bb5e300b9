import { GraphQLError } from 'graphql';
import { DomainError, InvalidInputError, type DomainErrorCode, type FieldError } from '../domain/errors';
import type { ObjectRef } from '@pothos/core';
import { builder } from './builder';

export const ErrorType = builder.objectRef<FieldError>('ErrorType').implement({
  description: 'A problem with one input field (`__all__` when it concerns the input as a whole).',
  fields: (t) => ({
    field: t.exposeString('field'),
    messages: t.exposeStringList('messages'),
  }),
});

export type WithErrors<T> = Partial<T> & { errors: FieldError[] };

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A mutation payload's fields: the written object (null when input errors stopped it) and `errors`. */
export function payloadFields<K extends string, Shape>(key: K, type: ObjectRef<Types, Shape>) {
  return (t: PothosSchemaTypes.ObjectFieldBuilder<Types, WithErrors<Record<K, Shape>>>) => ({
    // The cast spares Pothos' conditional resolver types, which cannot see through the generic key.
    [key]: t.field({ type, nullable: true, resolve: (payload) => (payload[key] ?? null) as Shape | null as never }),
    errors: t.field({ type: [ErrorType], resolve: (payload) => payload.errors }),
  });
}

/**
 * Runs a mutation and turns input problems into the payload's `errors` (the client can fix those);
 * everything else is thrown and becomes a top-level error.
 */
export async function withFieldErrors<T extends object>(run: () => Promise<T>): Promise<WithErrors<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof InvalidInputError) return { errors: error.fieldErrors } as WithErrors<T>;
    throw error;
  }
}

const extensionsFor = {
  NOT_FOUND: { code: 'NOT_FOUND' },
  FORBIDDEN: { code: 'FORBIDDEN' },
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  INVALID_INPUT: { code: 'BAD_USER_INPUT' },
} satisfies Record<DomainErrorCode, Record<string, unknown>>;

/** The one place where domain errors become GraphQL errors; anything else is masked by the server. */
export function toGraphQLError(error: DomainError, source?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = { ...extensionsFor[error.code] };
  if (error instanceof InvalidInputError) extensions.fields = error.fieldErrors;
  return new GraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    extensions,
  });
}

/**
 * Executors wrap resolver errors in one or more GraphQLErrors; the cause is at the end of the chain.
 * Duck-typed because graphql ships CJS and ESM builds, and a GraphQLError of the other build fails instanceof.
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const next = (current as { originalError?: unknown } | null)?.originalError;
    if (next == null) break;
    current = next;
  }
  return current;
}

export function domainErrorOf(error: unknown): DomainError | null {
  const cause = rootCause(error);
  return cause instanceof DomainError ? cause : null;
}
