import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { SseStream } from './sse-stream.js';

/** The open `/events` streams of this process, ended when the app shuts down (else the HTTP server never closes). */
@Injectable()
export class LiveStreams implements OnModuleDestroy {
  private readonly open = new Set<SseStream>();

  add(stream: SseStream): void {
    this.open.add(stream);
    stream.onClose(() => this.open.delete(stream));
  }

  get size(): number {
    return this.open.size;
  }

  onModuleDestroy(): void {
    for (const stream of [...this.open]) stream.end();
  }
}
