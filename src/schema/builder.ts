import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { decodeGlobalId, encodeGlobalId } from '../lib/global-id';
import type { Context } from './context';
import { invalidIdError } from './lib/ids';
import './lib/nullable-list-items';

// Plugins and scalars only: every type lives in its own file under types/ (see schema/index.ts).
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    // Prismatic's JSON-in-a-string scalar (schema/types/json-string.ts)
    JSONString: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Non-null unless a field says otherwise, as in Prismatic's schema (`errors: [ErrorType!]!`, `totalCount: Int!`).
  defaultFieldNullability: false,
  // nullableInputListItems first: its resolver wrapper is the outermost, so no other plugin sees a null item.
  plugins: ['nullableInputListItems', RelayPlugin, DataloaderPlugin],
  relay: {
    clientMutationId: 'optional',
    // A failed mutation nulls only its own field, so aliased batches keep the other results.
    relayMutationFieldOptions: { nullable: true },
    cursorType: 'String',
    nodesOnConnection: true,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, String(id)),
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!decoded) throw invalidIdError('id', globalId);
      return { typename: decoded.typeName, id: decoded.id };
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({});
builder.mutationType({});
