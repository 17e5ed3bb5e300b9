import fs from 'node:fs';
import net from 'node:net';

export function isAlive(pid: number) {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether PostgreSQL could listen on this port on localhost (what it binds by default). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * "process 123 (nginx)" for the process listening on a TCP port, from /proc (Linux); null when it cannot
 * be told (another OS, or a process of another user whose sockets this one may not read).
 */
export function holderOfPort(port: number): string | null {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!fs.existsSync(table)) continue;
      for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the socket's inode.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
      }
    }
    if (inodes.size === 0) return null;
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const target = safeReadlink(`/proc/${pid}/fd/${fd}`);
        if (target && inodes.has(target.slice('socket:['.length, -1))) return `process ${pid} (${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
      }
    }
    return null;
  } catch {
    return null;
  }
}

function safeReadlink(file: string) {
  try {
    return fs.readlinkSync(file);
  } catch {
    return null;
  }
}
