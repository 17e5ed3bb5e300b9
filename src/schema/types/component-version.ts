import { componentSignature } from '../../domain/components';
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
  signature: t.string({
    description: "SHA-256 of the component's definition (keys sorted): changes exactly when an import changes the component, equal across tenants.",
    resolve: (component) => componentSignature(component.definition),
  }),
  iconUrl: t.string({
    nullable: true,
    description: 'Always null: component definitions carry no icon, and clients show their default one.',
    resolve: () => null,
  }),
  customer: t.field({ type: Customer, nullable: true, description: "Always null: components are built in or the organization's.", resolve: () => null }),
}));
