import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { DomainError } from '../domain/domain-error.js';
import { RETRY_AFTER_MS } from '../http/domain-error.filter.js';
import type { Metrics } from '../observability/metrics.js';
import { PLATFORM } from '../runtime/tokens.js';
import type { Platform } from '../runtime/platform.js';
import type { SseStream } from './sse-stream.js';

/** A place among the open streams, taken before anything is opened; `release()` gives it back (idempotent). */
export interface StreamPlace {
  attach(stream: SseStream): void;
  release(): void;
}

/**
 * The open `/events` streams of this process: their own cap (`APPHUB_MAX_EVENT_STREAMS` in total,
 * `APPHUB_MAX_EVENT_STREAMS_PER_CLIENT` per token subject or anonymous address), apart from request admission, so
 * idle streams never crowd out writes and reads. Streams are ended when the app shuts down (else the HTTP server
 * never closes).
 */
@Injectable()
export class LiveStreams implements OnModuleDestroy {
  private readonly open = new Set<SseStream>();
  private readonly perClient = new Map<string, number>();
  private places = 0;
  private readonly metrics: Metrics;
  private readonly bounds: AppConfig['eventStreams'];

  constructor(@Inject(PLATFORM) platform: Platform) {
    this.metrics = platform.metrics;
    this.bounds = platform.config.eventStreams;
  }

  /** Takes a place for `client`, or throws 503 `event_streams_exhausted` past either cap. */
  reserve(client: string): StreamPlace {
    const { max, maxPerClient } = this.bounds;
    const mine = this.perClient.get(client) ?? 0;
    if (this.places >= max || mine >= maxPerClient) {
      const detail =
        this.places >= max
          ? `${this.places} event streams are open (bound ${max})`
          : `this client has ${mine} event streams open (bound ${maxPerClient})`;
      this.metrics.requestsShed.inc({ reason: 'event_streams' });
      throw new DomainError('event_streams_exhausted', `${detail}; close one or retry shortly.`, {
        retryAfterMs: RETRY_AFTER_MS.event_streams_exhausted,
      });
    }
    this.places += 1;
    this.perClient.set(client, mine + 1);
    this.metrics.eventStreamsOpen.set(this.places);
    let released = false;
    let attached: SseStream | undefined;
    const release = () => {
      if (released) return;
      released = true;
      this.places -= 1;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
      if (attached) this.open.delete(attached);
      this.metrics.eventStreamsOpen.set(this.places);
    };
    return {
      release,
      attach: (stream) => {
        if (released) return stream.end();
        attached = stream;
        this.open.add(stream);
        stream.onClose(release);
      },
    };
  }

  /** Places taken (streams open or being opened). */
  get size(): number {
    return this.places;
  }

  onModuleDestroy(): void {
    for (const stream of [...this.open]) stream.end();
  }
}
