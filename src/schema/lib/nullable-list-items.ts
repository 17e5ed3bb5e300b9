import SchemaBuilder, {
  BasePlugin,
  type PothosInputFieldConfig,
  type PothosInputFieldType,
  type PothosOutputFieldConfig,
  type SchemaTypes,
} from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';

/**
 * Prismatic's schema (graphene) declares every input list as `[X]`, and its clients declare their variables
 * that way (`$labels: [String]`, `$configVariables: [InputInstanceConfigVariable]`); GraphQL refuses such a
 * variable where `[X!]` is expected. So every list in an argument or input field accepts null items, and the
 * null items are dropped before any resolver sees the arguments: the domain never handles them.
 */
class NullableInputListItemsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onInputFieldConfig(fieldConfig: PothosInputFieldConfig<Types>) {
    return { ...fieldConfig, type: nullableItems(fieldConfig.type) };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (Object.keys(fieldConfig.args ?? {}).length === 0) return resolver;
    return (source, args, context, info) => resolver(source, withoutNullItems(args), context, info);
  }
}

function nullableItems<Types extends SchemaTypes>(type: PothosInputFieldType<Types>): PothosInputFieldType<Types> {
  if (type.kind !== 'List') return type;
  const item = nullableItems(type.type);
  return { ...type, type: { ...item, required: false } };
}

function withoutNullItems<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item != null).map(withoutNullItems) as T;
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutNullItems(item)])) as T;
  }
  return value;
}

// Coerced arguments and input objects are plain (often null-prototype) objects; scalar values such as Dates
// are left as they are.
function isPlainObject(value: object) {
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      nullableInputListItems: NullableInputListItemsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('nullableInputListItems', NullableInputListItemsPlugin);
