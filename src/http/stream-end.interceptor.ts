import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import { ValidationError } from '../domain/domain-error.js';

/** Reads the stream's last sequence (`EventStore.lastSequence`). */
export type LastSequenceReader = () => Promise<number>;

/**
 * The stream's last sequence, cached: a value already known to be covered never costs a round trip, and a higher
 * one waits for a read that started after it was asked (concurrent askers share it), so a client's own just-written
 * `eventSeq` is never refused.
 */
export class StreamEnd {
  private known = 0;
  private inFlight: { startedAt: number; read: Promise<number> } | null = null;

  constructor(private readonly readLast: LastSequenceReader) {}

  async covers(seq: number): Promise<boolean> {
    if (seq <= this.known) return true;
    const askedAt = performance.now();
    while (this.inFlight && this.inFlight.startedAt < askedAt) await this.inFlight.read.catch(() => undefined);
    if (seq <= this.known) return true;
    this.inFlight ??= this.refresh();
    return seq <= (await this.inFlight.read);
  }

  private refresh(): { startedAt: number; read: Promise<number> } {
    const flight = {
      startedAt: performance.now(),
      read: this.readLast()
        .then((last) => {
          this.known = Math.max(this.known, last);
          return this.known;
        })
        .finally(() => {
          if (this.inFlight === flight) this.inFlight = null;
        }),
    };
    return flight;
  }
}

/**
 * `?minSeq=N` beyond the stream's last sequence is a client mistake (400 `invalid_min_seq`), not lag: waiting would
 * answer 503 for an event that may never exist. Runs after the guards (no sequence leaks to anonymous callers
 * where reads need a token); a malformed value is left to the query's schema (400 `invalid_query`). When NATS
 * cannot be asked, the read goes on and its own wait decides.
 */
export class StreamEndInterceptor implements NestInterceptor {
  constructor(private readonly end: StreamEnd) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const raw = (request.query as Record<string, unknown> | undefined)?.minSeq;
    if (request.method !== 'GET' || typeof raw !== 'string' || raw.trim() === '') return next.handle();
    const seq = Number(raw);
    // Fractions, negatives and words are the query schema's to refuse; `Infinity` is a sequence that never comes.
    if (Number.isNaN(seq) || seq < 0 || (Number.isFinite(seq) && !Number.isInteger(seq))) return next.handle();
    return from(this.check(seq)).pipe(switchMap(() => next.handle()));
  }

  private async check(seq: number): Promise<void> {
    const covered = Number.isFinite(seq) && (await this.end.covers(seq).catch(() => true));
    if (covered) return;
    throw new ValidationError(
      'invalid_min_seq',
      `minSeq ${seq} is beyond the last event of the stream; use the meta.eventSeq of a write.`,
      [{ path: 'query/minSeq', message: 'is beyond the last event of the stream' }],
    );
  }
}
