import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { LeaseFence } from './consumer-store/index.js';

/** The key of a stream consumer's lease in `<prefix>-leases`. */
export function consumerLeaseKey(consumer: string): string {
  return `consumer.${consumer}`;
}

/** The lease went away (a renewal failed): the holder must stop working at once. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/**
 * Single-active ownership of a named role (a projection, the materializer) through the `<prefix>-leases` KV
 * bucket. The bucket's max age is the lease TTL (per-key TTL is ignored on nats-server 2.9): acquire with
 * `create`, renew with `update(key, value, revision)` every TTL/3, and treat a failed renewal as lost at once.
 * An entry that still names this owner (a renewal failed during a NATS outage) is taken back with `update` at its
 * revision as soon as NATS answers again, instead of waiting for it to age out.
 */
export class Lease {
  private revision = 0;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private lostListeners: Array<() => void> = [];

  constructor(
    private readonly kv: KV,
    readonly key: string,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * What this holder's writes carry (stored with the checkpoint): the KV revision of its last acquisition or
   * renewal. A later holder's revision is higher, so a write under an older one is refused (`LeaseFencedError`).
   */
  get fence(): LeaseFence {
    return { owner: this.owner, revision: this.revision };
  }

  /** The highest revision the leases bucket has issued (any key): a stored fence above it predates the bucket. */
  async bucketRevision(): Promise<number> {
    return (await this.kv.status()).streamInfo.state.last_seq;
  }

  onLost(listener: () => void): () => void {
    this.lostListeners.push(listener);
    return () => {
      this.lostListeners = this.lostListeners.filter((candidate) => candidate !== listener);
    };
  }

  /** Tries once; true when this owner now holds the lease. */
  async tryAcquire(): Promise<boolean> {
    try {
      this.revision = await this.kv.create(this.key, this.owner);
    } catch {
      if (!(await this.reclaimOwn())) return false;
    }
    this.held = true;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.log.info({ lease: this.key, owner: this.owner }, 'lease acquired');
    return true;
  }

  /** Waits until acquired or `signal` aborts (then false). `wake` can cut a wait short (NATS reconnected). */
  async acquire(signal: AbortSignal, wake?: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquire()) return true;
      await sleep(Math.max(100, Math.floor(this.ttlMs / 4)), signal, wake);
    }
    return false;
  }

  async release(): Promise<void> {
    const wasHeld = this.held;
    this.stopRenewing();
    if (!wasHeld) return;
    await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
  }

  /** A newer lease already wrote (`LeaseFencedError`): this one is gone, whatever the next renewal would say. */
  surrender(): void {
    if (!this.held) return;
    this.log.warn({ lease: this.key }, 'lease lost (a newer lease wrote)');
    this.stopRenewing();
  }

  /** The entry still names us (a renewal was lost in an outage): continue at its revision. */
  private async reclaimOwn(): Promise<boolean> {
    try {
      const entry = await this.kv.get(this.key);
      if (!entry || entry.operation !== 'PUT' || entry.string() !== this.owner) return false;
      this.revision = await this.kv.update(this.key, this.owner, entry.revision);
      return true;
    } catch {
      return false;
    }
  }

  private async renew(): Promise<void> {
    if (!this.held) return;
    try {
      this.revision = await this.kv.update(this.key, this.owner, this.revision);
    } catch (error) {
      if (!this.held) return;
      this.log.warn({ lease: this.key, err: error }, 'lease lost');
      this.stopRenewing();
      for (const listener of [...this.lostListeners]) listener();
    }
  }

  private stopRenewing(): void {
    this.held = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Resolves after `ms`, or early when either signal aborts. */
export function sleep(ms: number, signal?: AbortSignal, wake?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || wake?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      wake?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
    wake?.addEventListener('abort', done, { once: true });
  });
}
