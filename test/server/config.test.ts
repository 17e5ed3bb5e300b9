import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, databaseUrl: undefined, embeddedPgPort: 54329, tenantName: 'local', logLevel: 'info' });
  });

  it('lists every bad variable at once', () => {
    const env = { PORT: 'eighty', DATABASE_URL: 'mysql://x', TENANT_NAME: 'US Prod', LOG_LEVEL: 'loud', TENANTFLOW_MASTER_KEY: 'short' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'TENANTFLOW_MASTER_KEY', 'TENANT_NAME']);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 4000, databaseUrl: undefined });
  });
});
