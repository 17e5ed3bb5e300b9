import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode, type ValueNode } from 'graphql';
import { isInputObject, isList, namedOf, nullableOf, type SchemaType } from './schema-types';

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
  let found: OversizedList | null = null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const checkValue = (value: unknown, type: SchemaType, path: string): void => {
    if (found || value == null) return;
    const nullable = nullableOf(type);
    if (isList(nullable)) {
      // A single value where a list is expected is coerced to a one-item list.
      const items = Array.isArray(value) ? value : [value];
      if (items.length > max) found = { argument: path, size: items.length };
      else items.forEach((item, i) => checkValue(item, nullable.ofType!, `${path}[${i}]`));
      return;
    }
    if (isInputObject(nullable) && typeof value === 'object') {
      const fields = nullable.getFields!();
      for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        if (fields[name]) checkValue(fieldValue, fields[name].type, `${path}.${name}`);
      }
    }
  };

  const checkNode = (node: ValueNode, type: SchemaType, path: string): void => {
    if (found) return;
    if (node.kind === Kind.VARIABLE) return checkValue(variables?.[node.name.value], type, path);
    const nullable = nullableOf(type);
    if (isList(nullable)) {
      const items = node.kind === Kind.LIST ? node.values : [node];
      if (items.length > max) found = { argument: path, size: items.length };
      else items.forEach((item, i) => checkNode(item, nullable.ofType!, `${path}[${i}]`));
      return;
    }
    if (isInputObject(nullable) && node.kind === Kind.OBJECT) {
      const fields = nullable.getFields!();
      for (const field of node.fields) {
        const definition = fields[field.name.value];
        if (definition) checkNode(field.value, definition.type, `${path}.${field.name.value}`);
      }
    }
  };

  const walk = (selectionSet: SelectionSetNode, parent: SchemaType | null | undefined, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (found) return;
      if (selection.kind === Kind.FIELD) {
        const field = parent?.getFields?.()[selection.name.value];
        if (!field) continue;
        for (const argument of selection.arguments ?? []) {
          const definition = field.args?.find((a) => a.name === argument.name.value);
          if (definition) checkNode(argument.value, definition.type, argument.name.value);
        }
        if (selection.selectionSet) walk(selection.selectionSet, namedOf(field.type), seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        walk(selection.selectionSet, type as SchemaType | undefined, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment)
          walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) as SchemaType | undefined, new Set([...seen, fragment.name.value]));
      }
    }
  };

  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[definition.operation];
    walk(definition.selectionSet, root as SchemaType | null, new Set());
  }
  return found;
}
