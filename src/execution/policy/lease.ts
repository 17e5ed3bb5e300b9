/**
 * A running execution holds a lease (locked_until). A crashed worker never releases it, so another worker
 * may claim the execution once the lease has passed — not after graphile-worker's 4 h lock.
 */
export function leaseExpired(lockedUntil: Date | null, now: Date): boolean {
  // No lease means nobody holds the execution: it is claimable.
  if (lockedUntil === null) return true;
  return lockedUntil.getTime() <= now.getTime();
}

export function nextLeaseUntil(now: Date, leaseMs: number): Date {
  // A zero or negative lease would hand the execution to a second worker immediately.
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`Lease duration must be a positive number of milliseconds, got ${leaseMs}`);
  }
  return new Date(now.getTime() + leaseMs);
}
