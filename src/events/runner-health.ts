import type { Logger } from 'pino';
import { failedDependency } from './transient-error.js';

/** What readiness sees of one runner: failing (retrying from its checkpoint) since, stalled behind the stream since. */
export class RunnerHealth {
  failingSince: number | null = null;
  stalledSince: number | null = null;
  lastError: string | null = null;
  failingOn: 'nats' | 'postgres' | null = null;

  constructor(private readonly log: Logger) {}

  snapshot(): {
    failingSince: number | null;
    failingOn: 'nats' | 'postgres' | null;
    stalledSince: number | null;
    lastError: string | null;
  } {
    return {
      failingSince: this.failingSince,
      failingOn: this.failingOn,
      stalledSince: this.stalledSince,
      lastError: this.lastError,
    };
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

  progressed(): void {
    this.stalledSince = null;
  }
}
