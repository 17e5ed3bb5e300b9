import { GraphQLError } from 'graphql';
import { builder } from '../builder';

/** Prismatic's scalar for JSON sent as a string (`filterQuery`, `meta`): parsed on the way in, printed on the way out. */
builder.scalarType('JSONString', {
  description: 'JSON, sent and answered as a string.',
  serialize: (value) => JSON.stringify(value),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('A JSONString must be a string of JSON.');
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new GraphQLError('A JSONString must be a string of JSON.');
    }
  },
});
