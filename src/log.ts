import pino from 'pino';

/**
 * The operator log. Field names that may carry secrets are redacted as a second line of defence;
 * the first is that secrets are never passed to the logger at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino(
    {
      level,
      base: { service: 'tenantflow' },
      redact: {
        paths: ['*.authorization', '*.password', '*.token', '*.secret', '*.privateKey', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type Logger = pino.Logger;

/** CLI commands other than `serve` and `worker` log here, so a script can capture their stdout (a token, JSON). */
export const standardError = () => pino.destination({ fd: 2, sync: true });
