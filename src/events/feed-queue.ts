/** Thrown to a subscriber of the shared feed that fell too far behind: it reconnects from its last position. */
export class FeedOverflowError extends Error {
  readonly code = 'feed_overflow';
  constructor(bound: number) {
    super(`the subscriber fell ${bound} events behind the live feed; resume from its last event id`);
  }
}

/**
 * The events waiting for one subscriber of the shared feed: pushed synchronously by the feed (which never waits for a
 * slow client), taken by the subscriber's iterator. Past `bound` waiting events the queue fails with
 * `FeedOverflowError` instead of growing without limit; `close(error?)` ends the iteration after what is queued
 * (with an error: at once).
 */
export class FeedQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private done = false;
  private failure: unknown = null;

  constructor(private readonly bound: number) {}

  get closed(): boolean {
    return this.done;
  }

  /** Queues one item; false when the queue is closed (now, or by this push overflowing it). */
  push(item: T): boolean {
    if (this.done) return false;
    if (this.items.length - this.head >= this.bound) {
      this.close(new FeedOverflowError(this.bound));
      return false;
    }
    this.items.push(item);
    this.signal();
    return true;
  }

  close(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (error !== undefined) {
      this.failure = error;
      this.items = [];
      this.head = 0;
    }
    this.signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head] as T;
        this.head += 1;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        yield item;
        continue;
      }
      if (this.failure !== null) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
