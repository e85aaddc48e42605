import type { Logger } from 'pino';
import { failedDependency } from './transient-error.js';

/**
 * Where a runner is in its loop: what it awaits now. Readiness and the stall log show it, so a runner that stays
 * behind the stream says where it waits.
 */
export type RunnerPhase =
  | 'starting'
  | 'acquiring lease'
  | 'recovering'
  | 'subscribing'
  | 'fetching'
  | 'waiting for events'
  | 'applying a batch'
  | 'backing off'
  | 'stopping';

/** Steps of the loop that end by themselves; one that lasts is worth a warning. */
const STUCK_PHASES: ReadonlySet<RunnerPhase> = new Set([
  'recovering',
  'subscribing',
  'fetching',
  'applying a batch',
  'stopping',
]);

/** What readiness sees of one runner: failing (retrying from its checkpoint) since, stalled behind the stream since. */
export class RunnerHealth {
  failingSince: number | null = null;
  stalledSince: number | null = null;
  lastError: string | null = null;
  failingOn: 'nats' | 'postgres' | null = null;
  phase: RunnerPhase = 'starting';
  phaseSince = Date.now();
  private reportedStuckAt = 0;

  constructor(private readonly log: Logger) {}

  snapshot(): {
    failingSince: number | null;
    failingOn: 'nats' | 'postgres' | null;
    stalledSince: number | null;
    lastError: string | null;
    phase: RunnerPhase;
    phaseSince: number;
  } {
    return {
      failingSince: this.failingSince,
      failingOn: this.failingOn,
      stalledSince: this.stalledSince,
      lastError: this.lastError,
      phase: this.phase,
      phaseSince: this.phaseSince,
    };
  }

  /**
   * Logs once (per phase entered) a runner that has awaited one step of its work for longer than `afterMs` (the
   * steps that end by themselves: not waiting for events, a lease or a backoff). Called by the runner's timer.
   */
  reportStuck(afterMs: number, context: Record<string, unknown>): void {
    if (!STUCK_PHASES.has(this.phase) || this.reportedStuckAt === this.phaseSince) return;
    const inPhaseMs = Date.now() - this.phaseSince;
    if (inPhaseMs < afterMs) return;
    this.reportedStuckAt = this.phaseSince;
    this.log.warn({ ...context, phase: this.phase, inPhaseMs }, 'consumer stuck');
  }

  /** Checks `reportStuck` four times per `afterMs` until the returned function is called (not keeping Node up). */
  watchStuck(afterMs: number, context: () => Record<string, unknown>): () => void {
    const timer = setInterval(() => this.reportStuck(afterMs, context()), afterMs / 4);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The runner now awaits `phase` (a field write: called around every await of its loop). */
  enter(phase: RunnerPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.phaseSince = Date.now();
  }

  failed(error: unknown): void {
    this.failingSince ??= Date.now();
    this.lastError = (error as Error)?.message ?? String(error);
    this.failingOn = failedDependency(error);
  }

  /** Subscribed again, or a batch went through: the consumer works. */
  working(): void {
    this.failingSince = null;
    this.lastError = null;
    this.failingOn = null;
  }

  /**
   * The lease went to another process. Whatever failed while it was being lost (a batch refused because the new
   * leader had moved the checkpoint) is not a failure of this process: a standby is healthy, so readiness is too.
   */
  steppedDown(reason: string | null): void {
    if (this.failingSince === null && reason === null) return;
    this.working();
    this.log.info({ reason: reason ?? 'lease lost' }, 'lease lost; standing by');
  }

  stalled(): void {
    this.stalledSince ??= Date.now();
  }

  /**
   * Not (or no longer) the lease holder: a standby applies nothing, so it is never behind the stream. A stall seen
   * while it led is forgotten (kept, it read as `stalled behind the stream` on a healthy standby for minutes after a
   * drill's node loss, until the lease came back).
   */
  standingBy(): void {
    this.stalledSince = null;
  }

  progressed(): void {
    this.stalledSince = null;
  }
}
