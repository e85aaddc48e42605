/** Thrown out of a subscription the watchdog dropped: the runner resubscribes from its position (not a failure). */
export class ResubscribeSignal extends Error {
  override name = 'ResubscribeSignal';
}

export interface StallWatch {
  /** How often to compare the position with the stream's head. */
  everyMs: number;
  /** The consumer's position now. */
  position(): number;
  /** The stream's last sequence. */
  head(): Promise<number>;
  /** The position stayed behind the head for a whole period: resubscribe. */
  onStall(position: number, head: number): void;
  /** The position is at the head (nothing to apply). */
  onCaughtUp?(): void;
}

/**
 * Watchdog of an ordered consumer: if the stream holds events past the position but the position did not move
 * for a whole period, `onStall` (dropping the subscription and resubscribing from the position is always safe:
 * the position decides what is applied next). Returns the function that stops watching.
 */
export function watchForStall(watch: StallWatch): () => void {
  let behindAt: number | null = null;
  const timer = setInterval(() => {
    const seen = watch.position();
    watch.head().then(
      (head) => {
        if (head > seen && behindAt === seen && watch.position() === seen) watch.onStall(seen, head);
        else if (head <= seen) watch.onCaughtUp?.();
        behindAt = head > seen ? seen : null;
      },
      () => undefined,
    );
  }, watch.everyMs);
  return () => clearInterval(timer);
}
