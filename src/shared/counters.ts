import { Redis } from 'ioredis';
import { logger } from './logger.js';

/**
 * Windowed counters for rate limits and quotas. In memory for one process; in Redis when
 * REDIS_URL is set, so that several hub processes share one budget.
 */
export interface CounterStore {
  /** Adds `n` (may be negative) to `key`, which expires `ttlSeconds` after its creation; returns the new total. */
  add(key: string, n: number, ttlSeconds: number): Promise<number>;
  close(): Promise<void>;
  readonly kind: 'memory' | 'redis';
}

export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory';
  private counters = new Map<string, { value: number; expiresAt: number }>();
  private sweeps = 0;

  async add(key: string, n: number, ttlSeconds: number): Promise<number> {
    const now = Date.now();
    if (++this.sweeps % 1000 === 0) for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
    let c = this.counters.get(key);
    if (!c || c.expiresAt <= now) {
      c = { value: 0, expiresAt: now + ttlSeconds * 1000 };
      this.counters.set(key, c);
    }
    c.value += n;
    return c.value;
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}

// INCRBY and set the expiry only when the key is new: one round trip, atomic.
const ADD_SCRIPT = `local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v`;

const log = logger('counters');

export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 1_000, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on('error', (e: Error) => log.warn({ err: { message: e.message } }, 'redis error'));
  }

  async add(key: string, n: number, ttlSeconds: number): Promise<number> {
    return Number(await this.redis.eval(ADD_SCRIPT, 1, `lgsp:${key}`, n, ttlSeconds));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export function createCounterStore(redisUrl: string | undefined): CounterStore {
  return redisUrl ? new RedisCounterStore(redisUrl) : new MemoryCounterStore();
}
