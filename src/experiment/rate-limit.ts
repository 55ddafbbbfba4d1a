/**
 * Per-address request limits of the experiment server: at most `limit` requests of one kind
 * per address within a sliding window of `windowMs` (the times of the last `limit` requests
 * are kept; a request is allowed when the oldest of them left the window). Memory is bounded:
 * addresses idle for a window are forgotten, and at most `maxAddresses` are tracked (beyond
 * that, the least recently seen address is forgotten first).
 */
export class RateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxAddresses = 100_000,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`a rate limit must be a whole number of at least 1, not ${limit}`);
  }

  /** Counts a request from `address` at `now` if it is allowed; returns whether it is. */
  take(address: string, now: number): boolean {
    const times = this.recent.get(address) ?? [];
    while (times.length > 0 && times[0] <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) return false;
    times.push(now);
    // Re-inserted: the map's order is least recently seen first.
    this.recent.delete(address);
    this.recent.set(address, times);
    if (this.recent.size > this.maxAddresses) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }

  /** Milliseconds until `address` may send again (0 when it may now). */
  retryAfterMs(address: string, now: number): number {
    const times = this.recent.get(address);
    if (!times || times.length < this.limit) return 0;
    return Math.max(0, times[0] + this.windowMs - now);
  }

  /** Forgets addresses whose requests have all left the window. */
  sweep(now: number): void {
    for (const [address, times] of this.recent)
      if (times.length === 0 || times[times.length - 1] <= now - this.windowMs) this.recent.delete(address);
  }
}
