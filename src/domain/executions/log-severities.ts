import type { LogSeverity } from '../../db/tables';

export type LogSeverityLevel = { id: number; name: LogSeverity };

const ORDER: readonly LogSeverity[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Numbered by rank, so a client can compare severities by id. */
export const LOG_SEVERITIES: readonly LogSeverityLevel[] = ORDER.map((name, i) => ({ id: i + 1, name }));
