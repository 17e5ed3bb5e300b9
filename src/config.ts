import path from 'node:path';
import { z } from 'zod';
import { databaseUrlProblem } from './db/database-url';
import { TEMPLATE_MAX_OUTPUT_BYTES } from './lib/templates/limits';
import { egressAllowEntryProblem } from './execution/http/egress-policy';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(4000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
      // sslmode, schema and the certificate parameters are read by tenantflow (src/db/database-url.ts).
      .superRefine((v, ctx) => {
        const problem = /^postgres(ql)?:\/\//.test(v) ? databaseUrlProblem(v) : undefined;
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
  EMBEDDED_PG_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).max(65535).default(54329)),
  TENANT_NAME: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes (e.g. us-prod)')
      .default('local'),
  ),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, z.string().url('must be an absolute URL').optional()),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(logLevels).default('info')),
  TENANTFLOW_MASTER_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
      .optional(),
  ),
  TENANTFLOW_PREVIOUS_MASTER_KEYS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine(
        (v) => v.split(',').every((key) => Buffer.from(key.trim(), 'base64').length === 32),
        'must be comma-separated 32-byte base64 keys (the keys being rotated away from)',
      )
      .optional(),
  ),
  NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default('development')),
  WORKER_CONCURRENCY: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(4)),
  // The worker's own database pool (see workerPoolSize below); unset: WORKER_CONCURRENCY + 5, at most 15.
  WORKER_DATABASE_POOL_SIZE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(2).max(200).optional()),
  STEP_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(30_000)),
  STEP_MAX_ATTEMPTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(20).default(4)),
  STEP_RETRY_BASE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(1_000)),
  SCHEDULER_INTERVAL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(15_000)),
  // Reliability of the worker: the lease must outlast one step attempt (leaseProblem below); a
  // stopping worker lets in-flight steps finish for at most SHUTDOWN_DRAIN_MS, then hands back their leases.
  EXECUTION_LEASE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(500).default(45_000)),
  SHUTDOWN_DRAIN_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(10_000)),
  // OAuth 2.0 refresh: backoff after a transient refresh failure; the worker's proactive refresh
  // of tokens expiring within the window, every interval, at most a batch at a time.
  OAUTH2_REFRESH_BACKOFF_BASE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(30_000)),
  OAUTH2_REFRESH_BACKOFF_MAX_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(0)
      .default(60 * 60_000),
  ),
  OAUTH2_PROACTIVE_REFRESH_WINDOW_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(0)
      .default(5 * 60_000),
  ),
  OAUTH2_PROACTIVE_REFRESH_INTERVAL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(60_000)),
  OAUTH2_PROACTIVE_REFRESH_BATCH: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(20)),
  // Webhooks: what one caller may send before it costs the server anything.
  WEBHOOK_MAX_BODY_BYTES: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(1024 * 1024),
  ),
  WEBHOOK_SIGNATURE_TOLERANCE_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(300)),
  WEBHOOK_RATE_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(6000)),
  ORG_WEBHOOK_RATE_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(60000)),
  // Stored run output: what a step returns may be any size; what is stored is bounded.
  RUN_MAX_STORED_OUTPUT_BYTES: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1024)
      .default(256 * 1024),
  ),
  ...runBudgetVariables(),
  // Egress: where outgoing requests may go, and how much of an answer is read (execution/http/).
  EGRESS_ALLOW: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .superRefine((entries, ctx) => {
        for (const entry of entries) {
          const problem = egressAllowEntryProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; expected comma-separated hosts and CIDRs (e.g. 127.0.0.1,localhost,10.0.0.0/8)` });
        }
      }),
  ),
  RUN_MAX_RESPONSE_BYTES: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
  ),
  // User authentications: how long a run waits (AUTHENTICATION_NEEDED) for its user to authenticate.
  USER_AUTHENTICATION_WAIT_MS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1_000)
      .default(7 * 24 * 60 * 60_000),
  ),
  // API request limits and browser access.
  API_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).default(1_048_576)),
  // Metrics: GET /metrics is open in development; with METRICS_TOKEN it needs that bearer token;
  // with NODE_ENV=production and no token it is off (404).
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters (openssl rand -hex 32)').optional()),
  // Token authentication from memory: how long a checked API token is trusted without SQL; revocations
  // reach every process at once by NOTIFY, this bounds a lost notification. 0 checks every request in SQL.
  API_TOKEN_CACHE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(60_000).default(5_000)),
  CORS_ORIGINS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => v.split(',').every((origin) => /^https?:\/\/[^/]+$/.test(origin.trim())), 'must be comma-separated origins like https://app.example.com')
      .optional(),
  ),
});

// Per-run budgets: no run can take a worker (or the database) for itself. The defaults are far above what a
// real flow needs; a run that goes over one fails with an error naming the setting.
function runBudgetVariables() {
  const positive = (fallback: number) => z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(fallback));
  return {
    RUN_MAX_DURATION_MS: positive(15 * 60_000),
    RUN_MAX_STEPS: positive(10_000),
    RUN_MAX_LOOP_ITERATIONS: positive(5_000),
    RUN_MAX_TEMPLATE_MS: positive(2 * 60_000),
    TEMPLATE_MAX_OUTPUT_BYTES: positive(TEMPLATE_MAX_OUTPUT_BYTES),
  };
}

/** What one run may use; `runBudgets` parses it from the environment. */
export type RunBudgets = {
  /** Wall time from the execution's first claim (RUN_MAX_DURATION_MS). */
  maxDurationMs: number;
  /** Step executions, loop iterations included, over all claims (RUN_MAX_STEPS). */
  maxSteps: number;
  /** Items one loop step may iterate (RUN_MAX_LOOP_ITERATIONS). */
  maxLoopIterations: number;
  /** Time spent rendering templates in one claim of the run (RUN_MAX_TEMPLATE_MS). */
  maxTemplateMs: number;
  /** Size of one rendered template (TEMPLATE_MAX_OUTPUT_BYTES). */
  maxTemplateOutputBytes: number;
};

/** The budgets when no variable is set. */
export const defaultRunBudgets: RunBudgets = runBudgets(z.object(runBudgetVariables()).parse({}));

function runBudgets(e: z.infer<z.ZodObject<ReturnType<typeof runBudgetVariables>>>): RunBudgets {
  return {
    maxDurationMs: e.RUN_MAX_DURATION_MS,
    maxSteps: e.RUN_MAX_STEPS,
    maxLoopIterations: e.RUN_MAX_LOOP_ITERATIONS,
    maxTemplateMs: e.RUN_MAX_TEMPLATE_MS,
    maxTemplateOutputBytes: e.TEMPLATE_MAX_OUTPUT_BYTES,
  };
}

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  tenantName: string;
  publicUrl: string | undefined;
  logLevel: (typeof logLevels)[number];
  masterKey: string | undefined;
  /** Keys that still unwrap data keys not yet re-wrapped by `tenantflow vault rotate`. */
  previousMasterKeys: string[];
  production: boolean;
  engine: EngineConfig;
  webhooks: WebhookSettings;
  api: ApiConfig;
  /** METRICS_TOKEN: the bearer token /metrics requires, if any. */
  metricsToken: string | undefined;
  /**
   * WORKER_DATABASE_POOL_SIZE: connections of the worker's own pool, apart from the API's, so webhook
   * requests in flight never make a run wait for a connection. Default: one per slot plus WORKER_POOL_EXTRA, at most WORKER_POOL_DEFAULT_MAX.
   */
  workerPoolSize: number;
};

/**
 * Connections a worker uses besides one per running slot: graphile-worker's LISTEN connection (held for
 * good), its batched job fetch and completion, the sweeper, the scheduler and the OAuth 2.0 refresher.
 */
const WORKER_POOL_EXTRA = 5;
/**
 * The default's ceiling: a run holds a connection only while a statement of it runs (its step waits for HTTP
 * without one), and PostgreSQL's default max_connections (100) is shared by every process.
 */
const WORKER_POOL_DEFAULT_MAX = 15;

/** Limits on API requests and which browser origins may call the API with credentials. */
export type ApiConfig = {
  maxBodyBytes: number;
  /** Empty: no cross-origin browser access (same-origin pages such as GraphiQL still work). */
  corsOrigins: string[];
  /** API_TOKEN_CACHE_MS: how long an API token is trusted from memory; 0 looks every request's token up. */
  tokenCacheMs: number;
};

/** Limits of the webhook routes (src/http/webhooks); rates are per process (see rate-limit.ts). */
export type WebhookSettings = {
  maxBodyBytes: number;
  /** How far a signed call's timestamp may be from now, either way; also how long its signature is remembered. */
  signatureToleranceSeconds: number;
  ratePerMinute: number;
  orgRatePerMinute: number;
};

/** How executions run; tests shorten the lease and retry delays to keep the suite fast. */
export type EngineConfig = {
  workerConcurrency: number;
  leaseMs: number;
  stepTimeoutMs: number;
  stepMaxAttempts: number;
  stepRetryBaseMs: number;
  schedulerIntervalMs: number;
  /** SHUTDOWN_DRAIN_MS: how long a stopping worker lets in-flight runs go on before it hands them back. */
  shutdownDrainMs: number;
  /** Stored step output and execution result larger than this (JSON bytes) are truncated with a marker. */
  maxStoredOutputBytes: number;
  budgets: RunBudgets;
  /** EGRESS_ALLOW: hosts and CIDRs admitted besides public addresses (on-premise targets, the tests' fakes). */
  egressAllow: readonly string[];
  /** RUN_MAX_RESPONSE_BYTES: the most of one upstream response body a step reads. */
  maxResponseBytes: number;
  /** USER_AUTHENTICATION_WAIT_MS: after this, a run waiting for its user's authentication fails. */
  authenticationWaitMs: number;
  oauth2: OAuth2RefreshSettings;
};

/** OAuth 2.0 authorization-code refresh, from the OAUTH2_* variables. */
export type OAuth2RefreshSettings = {
  backoffBaseMs: number;
  backoffMaxMs: number;
  proactiveWindowMs: number;
  proactiveIntervalMs: number;
  proactiveBatch: number;
};

/**
 * A lease no longer than one step attempt lets another worker take a run whose step is still in
 * flight (the renewal timer is a safeguard, not a licence). Checked by loadConfig and by startWorker.
 */
export function leaseProblem(engine: Pick<EngineConfig, 'leaseMs' | 'stepTimeoutMs'>): string | null {
  if (engine.leaseMs > engine.stepTimeoutMs) return null;
  return `EXECUTION_LEASE_MS (${engine.leaseMs}) must be greater than STEP_TIMEOUT_MS (${engine.stepTimeoutMs}): a step attempt must end before its lease can pass to another worker`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every bad variable is reported together so one restart fixes them all. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const leaseTooShort = leaseProblem({ leaseMs: e.EXECUTION_LEASE_MS, stepTimeoutMs: e.STEP_TIMEOUT_MS });
  if (leaseTooShort) throw new ConfigError([leaseTooShort]);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    tenantName: e.TENANT_NAME,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    masterKey: e.TENANTFLOW_MASTER_KEY,
    previousMasterKeys: e.TENANTFLOW_PREVIOUS_MASTER_KEYS?.split(',').map((key) => key.trim()) ?? [],
    production: e.NODE_ENV === 'production',
    workerPoolSize: e.WORKER_DATABASE_POOL_SIZE ?? Math.min(e.WORKER_CONCURRENCY + WORKER_POOL_EXTRA, WORKER_POOL_DEFAULT_MAX),
    engine: {
      workerConcurrency: e.WORKER_CONCURRENCY,
      leaseMs: e.EXECUTION_LEASE_MS,
      stepTimeoutMs: e.STEP_TIMEOUT_MS,
      stepMaxAttempts: e.STEP_MAX_ATTEMPTS,
      stepRetryBaseMs: e.STEP_RETRY_BASE_MS,
      schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
      maxStoredOutputBytes: e.RUN_MAX_STORED_OUTPUT_BYTES,
      budgets: runBudgets(e),
      egressAllow: e.EGRESS_ALLOW,
      maxResponseBytes: e.RUN_MAX_RESPONSE_BYTES,
      authenticationWaitMs: e.USER_AUTHENTICATION_WAIT_MS,
      oauth2: {
        backoffBaseMs: e.OAUTH2_REFRESH_BACKOFF_BASE_MS,
        backoffMaxMs: e.OAUTH2_REFRESH_BACKOFF_MAX_MS,
        proactiveWindowMs: e.OAUTH2_PROACTIVE_REFRESH_WINDOW_MS,
        proactiveIntervalMs: e.OAUTH2_PROACTIVE_REFRESH_INTERVAL_MS,
        proactiveBatch: e.OAUTH2_PROACTIVE_REFRESH_BATCH,
      },
    },
    webhooks: {
      maxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
      signatureToleranceSeconds: e.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
      ratePerMinute: e.WEBHOOK_RATE_PER_MINUTE,
      orgRatePerMinute: e.ORG_WEBHOOK_RATE_PER_MINUTE,
    },
    api: {
      maxBodyBytes: e.API_MAX_BODY_BYTES,
      corsOrigins: e.CORS_ORIGINS?.split(',').map((origin) => origin.trim()) ?? [],
      tokenCacheMs: e.API_TOKEN_CACHE_MS,
    },
    metricsToken: e.METRICS_TOKEN,
  });
}
