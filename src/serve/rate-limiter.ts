// Requests per client address, as a token bucket: `burst` at once, then `perSecond`. Over it the
// request is answered 429 with Retry-After. Buckets of idle addresses are forgotten, and the map
// never holds more than `maxClients` (a flood of spoofed-looking sources cannot grow it).

export interface RateLimit {
  /** Sustained requests per second per client address; 0 turns the limit off. */
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxClients = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when the request may go on; else how many seconds to wait (for Retry-After). */
  take(client: string): number {
    const { perSecond, burst } = this.limit;
    if (perSecond <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.maxClients) this.forgetIdle(now);
      bucket = { tokens: burst, at: now };
      this.buckets.set(client, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Drops the buckets that have filled up again (their clients are idle); all of them if none has. */
  private forgetIdle(now: number): void {
    const { perSecond, burst } = this.limit;
    for (const [client, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.buckets.delete(client);
    if (this.buckets.size >= this.maxClients) this.buckets.clear();
  }
}
