import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';

export type OversizedList = { argument: string; size: number };

/**
 * Finds the first list argument (or list field of an input object) holding more than `max` items, whether it
 * is written in the query or passed as a variable. Runs before execution, so a huge `nodes(ids: $ids)` never
 * reaches a resolver, a dataloader or the database. JSON scalars are not GraphQL lists and are not counted.
 */
export function findOversizedList(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  max: number,
): OversizedList | null {
  const typeInfo = new TypeInfo(schema);
  let found: OversizedList | null = null;

  const checkValue = (value: unknown, type: GraphQLInputType, path: string): void => {
    if (found || value == null) return;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      // A single value where a list is expected is coerced to a one-item list.
      const items = Array.isArray(value) ? value : [value];
      if (items.length > max) {
        found = { argument: path, size: items.length };
        return;
      }
      items.forEach((item, i) => checkValue(item, nullable.ofType, `${path}[${i}]`));
      return;
    }
    const named = getNamedType(type);
    if (isInputObjectType(named) && typeof value === 'object') {
      const fields = named.getFields();
      for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        const definition = fields[name];
        if (definition) checkValue(fieldValue, definition.type, `${path}.${name}`);
      }
    }
  };

  const checkNode = (node: ValueNode, type: GraphQLInputType, path: string): void => {
    if (found) return;
    if (node.kind === Kind.VARIABLE) return checkValue(variables?.[node.name.value], type, path);
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = node.kind === Kind.LIST ? node.values : [node];
      if (items.length > max) {
        found = { argument: path, size: items.length };
        return;
      }
      items.forEach((item, i) => checkNode(item, nullable.ofType, `${path}[${i}]`));
      return;
    }
    const named = getNamedType(type);
    if (isInputObjectType(named) && node.kind === Kind.OBJECT) {
      const fields = named.getFields();
      for (const field of node.fields) {
        const definition = fields[field.name.value];
        if (definition) checkNode(field.value, definition.type, `${path}.${field.name.value}`);
      }
    }
  };

  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument) checkNode(node.value, argument.type, node.name.value);
      },
    }),
  );
  return found;
}
