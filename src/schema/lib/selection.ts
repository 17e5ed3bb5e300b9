import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** Whether the field being resolved selects `name` directly on its result (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === 'Field') return selection.name.value === name;
      if (selection.kind === 'InlineFragment') return visit(selection.selectionSet);
      return visit(info.fragments[selection.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

/** Whether a connection field selects `name` on its nodes, as `nodes { name }` or `edges { node { name } }`. */
export function selectsNodeField(info: GraphQLResolveInfo, name: string): boolean {
  const fieldsOf = (sets: readonly (SelectionSetNode | undefined)[], field: string) =>
    sets.flatMap((set) =>
      collect(info, set)
        .filter((selection) => selection.name.value === field)
        .map((selection) => selection.selectionSet),
    );
  const roots = info.fieldNodes.map((node) => node.selectionSet);
  const nodeSets = [...fieldsOf(roots, 'nodes'), ...fieldsOf(fieldsOf(roots, 'edges'), 'node')];
  return fieldsOf(nodeSets, name).length > 0;
}

/** The fields of a selection set, fragments spread. */
function collect(info: GraphQLResolveInfo, set: SelectionSetNode | undefined): FieldNode[] {
  return (set?.selections ?? []).flatMap((selection) => {
    if (selection.kind === 'Field') return [selection];
    if (selection.kind === 'InlineFragment') return collect(info, selection.selectionSet);
    return collect(info, info.fragments[selection.name.value]?.selectionSet);
  });
}
