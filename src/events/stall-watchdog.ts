import type { Logger } from 'pino';
import type { RunnerHealth } from './runner-health.js';

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

/**
 * A runner's watchdog: a stall is recorded in its health and logged with the phase the runner is in, then
 * `resubscribe`; being at the head clears a failure (subscribing alone does not: a runner whose every batch fails
 * would look healthy between failures).
 */
export function watchRunner(
  watch: Pick<StallWatch, 'everyMs' | 'position' | 'head'>,
  health: RunnerHealth,
  log: Logger,
  resubscribe: () => void,
): () => void {
  return watchForStall({
    ...watch,
    onStall: (position, head) => {
      health.stalled();
      log.warn(
        { position, head, phase: health.phase, inPhaseMs: Date.now() - health.phaseSince },
        'consumer stalled; resubscribing',
      );
      resubscribe();
    },
    onCaughtUp: () => health.working(),
  });
}
