import { listCustomerUsers, listOrganizationUsers } from '../../domain/users/user-admin';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { Customer } from './customer';
import { Organization } from './organization';
import { User } from './user';

const UserConnection = connectionOf(User, 'User');

builder.objectField(Organization, 'users', (t) =>
  t.connection(
    {
      type: User,
      description: "The organization's own users (customer users are listed on their customer).",
      resolve: (_org, args, ctx, info) => resolveConnection(args, (page) => listOrganizationUsers(ctx.db, actorOf(ctx), page), info),
    },
    UserConnection,
  ),
);

builder.objectField(Customer, 'users', (t) =>
  t.connection(
    {
      type: User,
      description: "This customer's users, embedded users included.",
      resolve: (customer, args, ctx, info) => resolveConnection(args, (page) => listCustomerUsers(ctx.db, actorOf(ctx), customer.id, page), info),
    },
    UserConnection,
  ),
);
