// The one barrel that exports values: drizzle-kit and the relational query builder need every table together.
export * from './organizations';
export * from './customers';
export * from './users';
export * from './vault';
export * from './connections';
export * from './components';
export * from './integrations';
export * from './executions';
export * from './connector-auths';
export * from './env-variables';
export * from './fan-out';
export * from './oauth2';
export * from './user-authentications';
export * from './flow-schedules';
export * from './integration-test-urls';
