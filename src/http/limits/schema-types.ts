// Types are told apart by their tag, not instanceof: the schema may come from graphql's CJS build and the
// limits from its ESM build (the same reason schema/errors.ts duck-types errors).
export type SchemaType = { ofType?: SchemaType; getFields?: () => Record<string, SchemaField> };
export type SchemaField = {
  type: SchemaType;
  args?: readonly { name: string; type: SchemaType }[];
  extensions?: { assumedSize?: number };
};

const tagOf = (type: SchemaType) => Object.prototype.toString.call(type);
export const isList = (type: SchemaType) => tagOf(type) === '[object GraphQLList]';
export const isInputObject = (type: SchemaType) => tagOf(type) === '[object GraphQLInputObjectType]';
export const nullableOf = (type: SchemaType) => (tagOf(type) === '[object GraphQLNonNull]' ? type.ofType! : type);
export const namedOf = (type: SchemaType): SchemaType => (type.ofType ? namedOf(type.ofType) : type);
