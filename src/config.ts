import path from 'node:path';
import { z } from 'zod';

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
  EXECUTION_LEASE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(500).default(30_000)),
  STEP_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(30_000)),
  STEP_MAX_ATTEMPTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(20).default(4)),
  STEP_RETRY_BASE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(1_000)),
  SCHEDULER_INTERVAL_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(15_000)),
  // API request limits and browser access (issue 7).
  API_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).default(1_048_576)),
  CORS_ORIGINS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => v.split(',').every((origin) => /^https?:\/\/[^/]+$/.test(origin.trim())), 'must be comma-separated origins like https://app.example.com')
      .optional(),
  ),
});

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
  api: ApiConfig;
};

/** Limits on API requests and which browser origins may call the API with credentials. */
export type ApiConfig = {
  maxBodyBytes: number;
  /** Empty: no cross-origin browser access (same-origin pages such as GraphiQL still work). */
  corsOrigins: string[];
};

/** How executions run; tests shorten the lease and retry delays to keep the suite fast. */
export type EngineConfig = {
  workerConcurrency: number;
  leaseMs: number;
  stepTimeoutMs: number;
  stepMaxAttempts: number;
  stepRetryBaseMs: number;
  schedulerIntervalMs: number;
};

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
    engine: {
      workerConcurrency: e.WORKER_CONCURRENCY,
      leaseMs: e.EXECUTION_LEASE_MS,
      stepTimeoutMs: e.STEP_TIMEOUT_MS,
      stepMaxAttempts: e.STEP_MAX_ATTEMPTS,
      stepRetryBaseMs: e.STEP_RETRY_BASE_MS,
      schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    },
    api: {
      maxBodyBytes: e.API_MAX_BODY_BYTES,
      corsOrigins: e.CORS_ORIGINS?.split(',').map((origin) => origin.trim()) ?? [],
    },
  });
}
