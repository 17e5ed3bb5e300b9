import { builder } from './builder';
import './errors';
import './types/customer';
import './types/component';
import './types/expression';
import './types/scoped-config-variable';
import './types/scoped-config-variable-mutations';
import './types/customer-config-variable';
import './types/connector-auth';
import './types/execution-result';
import './types/flow-runs';
import './types/execution-fan-out';
import './types/execution-links';
import './types/execution-replay';
import './types/explain-credential';
import './types/user';
import './types/organization';
import './types/signing-key';
import './types/api-token';
import './types/integration';
import './types/instance';
// env variables
import './types/env-variable';
// OAuth 2.0 authorization-code connections
import './types/oauth2-authorization';
import './types/oauth2-credential';
// tenant sync
import './types/sync';
// user authentications (seed 002)
import './types/user-authentication-settings';
import './types/user-authentication';
import './types/execution-authentication';

// Prismatic clients (prism CLI)
import './types/role';
import './types/user-lists';
import './types/user-mutations';
import './types/user-tenant';
import './types/log-severity';
import './types/integration-flow-trigger';
import './types/json-string';
import './types/component-version';
import './types/action';
import './types/integration-mutations';
import './types/log-list';
// integration and component fields Prismatic clients read
import './types/integration-details';

export const schema = builder.toSchema({ sortSchema: true });
