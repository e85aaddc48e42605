/** Callers waiting for a consumer to reach a stream sequence (`?minSeq`, tests). */
export class PositionWaiters {
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();

  /** Resolves once `reached(seq or more)` was called or the timeout elapsed; true when reached. */
  wait(position: () => number, seq: number, timeoutMs: number): Promise<boolean> {
    if (position() >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiters.delete(waiter)) resolve(position() >= seq);
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** The consumer is at `position`: every waiter at or below it is released. */
  reached(position: number): void {
    for (const waiter of this.waiters) {
      if (waiter.seq <= position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
