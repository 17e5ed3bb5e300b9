import { Counter, Histogram, Registry } from 'prom-client';
import { boundedLabel } from './bounded-label';

/**
 * The metrics this process counts itself (src/metrics/README.md). One registry per process: the API process
 * adds what its worker child sends over the fork channel and the gauges read from the database at scrape time.
 */
export const registry = new Registry();

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpRequestDuration = new Histogram({
  name: 'tenantflow_http_request_duration_seconds',
  help: 'HTTP requests by GraphQL operation name (bounded, see operationLabel) and status',
  labelNames: ['operation', 'status'] as const,
  buckets: durationBuckets,
  registers: [registry],
});

export const graphqlErrors = new Counter({
  name: 'tenantflow_graphql_errors_total',
  help: 'Errors in GraphQL responses by extensions.code',
  labelNames: ['code'] as const,
  registers: [registry],
});

export const executionsEnded = new Counter({
  name: 'tenantflow_executions_ended_total',
  help: 'Executions this process ran to their end, by final status',
  labelNames: ['status'] as const,
  registers: [registry],
});

/** Component keys as labels: organizations may define their own, so their number is capped. */
export const componentLabel = boundedLabel(200);

export const stepDuration = new Histogram({
  name: 'tenantflow_step_duration_seconds',
  help: 'Action steps by component and outcome (all attempts of one step)',
  labelNames: ['component', 'status'] as const,
  buckets: durationBuckets,
  registers: [registry],
});

export const stepRetries = new Counter({
  name: 'tenantflow_step_retries_total',
  help: 'Retried connector requests by component',
  labelNames: ['component'] as const,
  registers: [registry],
});

export const leaseRecoveries = new Counter({
  name: 'tenantflow_lease_recoveries_total',
  help: 'Executions the sweeper gave a new job: lease ran out (lapsed) or QUEUED without a live job (stranded)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const credentialRefreshes = new Counter({
  name: 'tenantflow_credential_refreshes_total',
  help: 'Access-token requests for stored credentials (OAuth2 client credentials) by outcome',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});
