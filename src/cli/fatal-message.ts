import type { Config } from '../config';
import { holderOfPort } from '../db/local-processes';

/** Errors whose message is already the one line an operator needs (cause and setting). */
const SELF_EXPLAINING = new Set(['ConfigError', 'EmbeddedPostgresError', 'DatabaseOpenError', 'MasterKeyError', 'VaultError']);

/**
 * The one line printed on stderr when tenantflow stops on an error: the cause and the setting to change,
 * never a stack trace (the log keeps the detail at debug level).
 */
export function fatalMessage(error: unknown, config: Config): string {
  const { name, message, code, syscall, port } = (error ?? {}) as NodeJS.ErrnoException & { port?: number };
  const text = String(message ?? error)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
  if (name && SELF_EXPLAINING.has(name)) return text;
  if (syscall === 'listen' && code === 'EADDRINUSE') {
    const holder = holderOfPort(port ?? config.port);
    return `Port ${port ?? config.port} on ${config.host} is already in use${holder ? ` by ${holder}` : ''}; set PORT to a free port.`;
  }
  if (syscall === 'listen' && (code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    return `Cannot listen on ${config.host}:${port ?? config.port} (${code}); set HOST and PORT to an address this process may use.`;
  }
  return `tenantflow stopped: ${text || code || String(error)}`;
}
