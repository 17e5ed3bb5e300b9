import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

export type CostWeights = {
  /** How many items a list field without `first`/`last` returns: the server's default page size. */
  defaultPageSize: number;
};

const OBJECT_COST = 2;
const SCALAR_COST = 1;
// Deeper selections cost more, as in graphql-armor's cost limit, so one formula covers both wide and deep.
const DEPTH_FACTOR = 1.5;

/**
 * The cost of the operation that will run, counted with the page sizes it will really get: `first`/`last`
 * given literally or as variables, the default page when a paged field gets neither, and the number of ids
 * a `nodes(ids:)` asks for. Introspection is counted like any other field.
 */
export function operationCost(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  weights: CostWeights,
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

  const multiplierOf = (field: FieldNode): number => {
    let pageSize: number | null = null;
    let ids = 1;
    for (const argument of field.arguments ?? []) {
      const name = argument.name.value;
      const value = valueOf(argument.value);
      if ((name === 'first' || name === 'last') && typeof value === 'number') pageSize = Math.max(pageSize ?? 0, value);
      if (name === 'ids' && Array.isArray(value)) ids = value.length;
    }
    if (isPagedList(field)) return pageSize ?? weights.defaultPageSize;
    return Math.max(ids, pageSize ?? 1);
  };

  // Fragments are flattened into the selection that spreads them; validation has already refused cycles.
  const selectionCost = (selectionSet: SelectionSetNode): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) cost += fieldCost(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) cost += selectionCost(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) cost += selectionCost(fragment.selectionSet);
      }
    }
    return cost;
  };

  const fieldCost = (field: FieldNode): number => {
    if (!field.selectionSet) return SCALAR_COST;
    const children = selectionCost(field.selectionSet);
    return (OBJECT_COST + DEPTH_FACTOR * children) * multiplierOf(field);
  };

  return selectionCost(operation.selectionSet);
}

/**
 * A Relay connection returns a page of `edges`/`nodes`; without `first`/`last` the server fills the default page.
 * Recognised by its selection, so the check needs no schema lookup and works for every connection field.
 */
function isPagedList(field: FieldNode): boolean {
  return (field.selectionSet?.selections ?? []).some(
    (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes') && s.selectionSet != null,
  );
}
