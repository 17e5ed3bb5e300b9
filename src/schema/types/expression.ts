import type { Expression as ExpressionShape } from '../../domain/connections/expressions';
import { builder } from '../builder';
import { connectionOf } from '../lib/connection';

const ExpressionType = builder.enumType('ExpressionType', { values: ['COMPLEX', 'CONFIGVAR', 'REFERENCE', 'TEMPLATE', 'VALUE'] as const });

export const Expression = builder.objectRef<ExpressionShape>('Expression').implement({
  description: 'One input value. Secret (PASSWORD) values are never returned: `value` is null and `hasValue` tells whether one is set.',
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.field({ type: ExpressionType, resolve: (e) => e.type }),
    value: t.exposeString('value', { nullable: true }),
    hasValue: t.exposeBoolean('hasValue'),
    meta: t.exposeString('meta', { nullable: true }),
  }),
});

export const ExpressionConnection = connectionOf(Expression, 'Expression');

export const InputExpression = builder.inputType('InputExpression', {
  description: 'An input value: `{ name: "apiKey", type: "value", value: "…" }`. `meta` is a JSON string, e.g. `{"inputScope":"customer"}`.',
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.string(),
    value: t.string(),
    meta: t.string(),
  }),
});
