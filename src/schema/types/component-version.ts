import { builder } from '../builder';
import { Component } from './component';
import { Customer } from './customer';

// What prism's components:list reads. Components here have one version each and belong to no customer.
builder.objectFields(Component, (t) => ({
  versionNumber: t.int({ description: 'Always 1: a component has one version; importComponent replaces it.', resolve: () => 1 }),
  versionCreatedAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When a private component was imported; null for built-ins.',
    resolve: (component) => component.createdAt,
  }),
  category: t.string({ nullable: true, description: 'Always null: components have no category.', resolve: () => null }),
  customer: t.field({ type: Customer, nullable: true, description: "Always null: components are built in or the organization's.", resolve: () => null }),
}));
