import type { EmittedLineageEvent } from './openlineage.types.js';

/** An event the receiver refused for good (repeated 4xx): it goes to the dead-letter table. */
export interface RejectedLineageEvent {
  event: EmittedLineageEvent;
  error: string;
}

/** Where the emitter sends its events (HTTP, NATS). */
export interface LineageTransport {
  readonly name: string;
  /**
   * Delivers every event, in order per workflow run. Resolves with the events the receiver refused for good;
   * throws `LineageDeliveryStalledError` when the receiver stays unavailable past the attempt budget (the batch is
   * then retried from the checkpoint, never skipped).
   */
  deliver(events: readonly EmittedLineageEvent[], signal?: AbortSignal): Promise<RejectedLineageEvent[]>;
}

/**
 * The receiver is unavailable (connection error, 5xx, 429, a misconfigured URL or key): the batch is retried from
 * the checkpoint. Its `code` is Node's "timed out" code, which the consumer runner's error classification treats as
 * an infrastructure failure — retried with backoff, never a reason to dead-letter the stream event.
 */
export class LineageDeliveryStalledError extends Error {
  override name = 'LineageDeliveryStalledError';
  readonly code = 'ETIMEDOUT';

  constructor(
    readonly transport: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`OpenLineage ${transport} delivery unavailable: ${detail}`, options);
  }
}

/** Resolves after `ms`, or early (rejecting the wait) when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Groups events by workflow run, keeping the order inside each group (runs are independent of each other). */
export function byWorkflowRun(events: readonly EmittedLineageEvent[]): EmittedLineageEvent[][] {
  const groups = new Map<string, EmittedLineageEvent[]>();
  for (const event of events) {
    const group = groups.get(event.parentRunId);
    if (group) group.push(event);
    else groups.set(event.parentRunId, [event]);
  }
  return [...groups.values()];
}
