import {
  byWorkflowRun,
  delay,
  LineageDeliveryStalledError,
  type LineageTransport,
  type RejectedLineageEvent,
} from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

export interface HttpTransportOptions {
  /** `OPENLINEAGE_URL`, e.g. http://localhost:5000 (Marquez). */
  url: string;
  /** `OPENLINEAGE_ENDPOINT`, default `api/v1/lineage`. */
  endpoint: string;
  /** `OPENLINEAGE_API_KEY`, sent as `Authorization: Bearer …`. */
  apiKey: string | null;
  /** Per request. */
  timeoutMs: number;
  /** Workflow runs sent at once (events of one run always go one after the other). */
  concurrency?: number;
  /** Tries per event while the receiver is unavailable, before the batch is handed back to be retried. */
  unavailableAttempts?: number;
  /** Tries per event the receiver refuses (4xx) before it is dead-lettered. */
  rejectedAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** What an answer means: decided by the status code alone. */
export type HttpOutcome = 'delivered' | 'unavailable' | 'rejected';

/**
 * 2xx: delivered. 5xx, 408, 425, 429: the receiver is unavailable (retry). 401, 403, 404, 405, 407: the URL, the
 * endpoint or the key is wrong — no event is to blame, so nothing is dead-lettered; the emitter stalls until an
 * operator fixes it. Any other 4xx: this event is refused (dead-lettered after a few tries).
 */
export function classifyHttpStatus(status: number): HttpOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 400 && status < 500 && ![401, 403, 404, 405, 407, 408, 425, 429].includes(status)) return 'rejected';
  return 'unavailable';
}

type Attempt = { outcome: HttpOutcome; detail: string };

/**
 * The HTTP transport (OpenLineage HTTP API, as Marquez serves it): one POST per event with the canonical JSON body.
 * A batch is sent with a few workflow runs in flight at once; events of one run in order. Retries back off
 * exponentially; a refused event is retried a few times, then reported for the dead-letter table.
 */
export class HttpLineageTransport implements LineageTransport {
  readonly name = 'http';
  private readonly target: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.target = `${options.url.replace(/\/+$/, '')}/${options.endpoint.replace(/^\/+/, '')}`;
  }

  async deliver(events: readonly EmittedLineageEvent[], signal?: AbortSignal): Promise<RejectedLineageEvent[]> {
    const groups = byWorkflowRun(events);
    const rejected: RejectedLineageEvent[] = [];
    let next = 0;
    let stalled: unknown;
    const worker = async () => {
      while (next < groups.length && stalled === undefined) {
        const group = groups[next++]!;
        try {
          for (const event of group) {
            const refusal = await this.send(event, signal);
            if (refusal) rejected.push({ event, error: refusal });
          }
        } catch (error) {
          stalled ??= error;
        }
      }
    };
    const workers = Array.from({ length: Math.min(this.options.concurrency ?? 4, groups.length) }, worker);
    await Promise.allSettled(workers);
    if (stalled !== undefined) throw stalled;
    return rejected;
  }

  /** Sends one event until delivered (null) or refused for good (the error); throws when unavailable too long. */
  private async send(event: EmittedLineageEvent, signal?: AbortSignal): Promise<string | null> {
    const { unavailableAttempts = 5, rejectedAttempts = 3, baseDelayMs = 200, maxDelayMs = 5000 } = this.options;
    let unavailable = 0;
    let refused = 0;
    for (;;) {
      if (signal?.aborted) throw new LineageDeliveryStalledError('http', 'emitter stopping');
      const attempt = await this.post(event.body);
      if (attempt.outcome === 'delivered') return null;
      if (attempt.outcome === 'rejected') {
        refused += 1;
        if (refused >= rejectedAttempts) return attempt.detail;
      } else {
        unavailable += 1;
        if (unavailable >= unavailableAttempts) throw new LineageDeliveryStalledError('http', attempt.detail);
      }
      await delay(Math.min(maxDelayMs, baseDelayMs * 2 ** (unavailable + refused - 1)), signal);
    }
  }

  private async post(body: string): Promise<Attempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.target, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // Connection refused or reset, DNS, timeout: the receiver is unavailable, told apart by code, never message.
      return { outcome: 'unavailable', detail: `request failed: ${errorCode(error)}` };
    }
    const text = await response.text().catch(() => '');
    const outcome = classifyHttpStatus(response.status);
    return { outcome, detail: `HTTP ${response.status}${text ? `: ${text.slice(0, 500)}` : ''}` };
  }
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return (error as Error)?.name ?? 'unknown';
}
