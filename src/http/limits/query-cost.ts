import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { namedOf, type SchemaField, type SchemaType } from './schema-types';

const OBJECT_COST = 2;
const SCALAR_COST = 1;
// Deeper selections cost more, as in graphql-armor's cost limit, so one formula covers both wide and deep.
const DEPTH_FACTOR = 1.5;

/**
 * The cost of the operation that will run, counted with the page sizes it will really get: `first`/`last`
 * given literally or as variables, otherwise the field's `assumedSize` extension (a page sliced from data
 * already in memory) or the default page size; a `nodes(ids:)` counts its ids. Introspection is counted
 * like any other field.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  defaultPageSize: number,
): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.LIST) return node.values;
    return undefined;
  };

  const multiplierOf = (node: FieldNode, field: SchemaField | undefined): number => {
    let pageSize: number | null = null;
    let ids = 1;
    for (const argument of node.arguments ?? []) {
      const name = argument.name.value;
      const value = valueOf(argument.value);
      if ((name === 'first' || name === 'last') && typeof value === 'number') pageSize = Math.max(pageSize ?? 0, value);
      if (name === 'ids' && Array.isArray(value)) ids = value.length;
    }
    if (isPagedList(node)) return pageSize ?? field?.extensions?.assumedSize ?? defaultPageSize;
    return Math.max(ids, pageSize ?? 1);
  };

  // Fragments are flattened into the selection that spreads them; validation has already refused cycles.
  const selectionCost = (selectionSet: SelectionSetNode, parent: SchemaType | null | undefined): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) cost += fieldCost(selection, parent?.getFields?.()[selection.name.value]);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += selectionCost(selection.selectionSet, type as SchemaType | undefined);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) cost += selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) as SchemaType | undefined);
      }
    }
    return cost;
  };

  const fieldCost = (node: FieldNode, field: SchemaField | undefined): number => {
    if (!node.selectionSet) return SCALAR_COST;
    const children = selectionCost(node.selectionSet, field ? namedOf(field.type) : undefined);
    return (OBJECT_COST + DEPTH_FACTOR * children) * multiplierOf(node, field);
  };

  const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[operation.operation];
  return selectionCost(operation.selectionSet, root as SchemaType | null);
}

/**
 * A Relay connection returns a page of `edges`/`nodes`; without `first`/`last` the server fills the default page.
 * Recognised by its selection, so it works for every connection field.
 */
function isPagedList(field: FieldNode): boolean {
  return (field.selectionSet?.selections ?? []).some(
    (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes') && s.selectionSet != null,
  );
}
