import type { ServerResponse } from 'node:http';

/** One server-sent event; `data` must be a single line (JSON text is). */
export interface SseFrame {
  id?: number;
  event?: string;
  data: string;
}

/** The wire format of one event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export function formatSseFrame(frame: SseFrame): string {
  if (/[\r\n]/.test(frame.data)) throw new Error('an SSE data field must be one line');
  const lines: string[] = [];
  if (frame.id !== undefined) lines.push(`id: ${frame.id}`);
  if (frame.event !== undefined) lines.push(`event: ${frame.event}`);
  lines.push(`data: ${frame.data}`);
  return `${lines.join('\n')}\n\n`;
}

/** How long a client waits before reconnecting (sent as `retry:`), and how often an idle stream sends a comment. */
export const RECONNECT_DELAY_MS = 2000;
export const HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * A server-sent-events response on a raw Node response: headers, frames with back-pressure (a slow client makes
 * the writer wait instead of buffering without bound), heartbeat comments so proxies keep the connection, and one
 * close notification however the stream ends (client gone, `end()`, server shutdown).
 */
export class SseStream {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly raw: ServerResponse,
    headers: Record<string, string>,
    heartbeatMs = HEARTBEAT_INTERVAL_MS,
  ) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    raw.write(`retry: ${RECONNECT_DELAY_MS}\n: connected\n\n`);
    raw.on('close', () => this.markClosed());
    raw.on('error', () => this.markClosed());
    this.heartbeat = setInterval(() => {
      if (!this.closed) raw.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
    // A client that left before this stream existed sent its 'close' already: close now, or nothing ever would.
    if (raw.destroyed || raw.socket?.destroyed === true) this.markClosed();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` once when the stream closes (at once if it already has). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Writes a frame; resolves false when the stream is closed (now or while waiting for the client to drain). */
  async send(frame: SseFrame): Promise<boolean> {
    if (this.closed) return false;
    if (this.raw.write(formatSseFrame(frame))) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        resolve();
      };
      this.raw.once('drain', done);
      this.onClose(done);
    });
    return !this.closed;
  }

  /** Ends the response (idempotent). */
  end(): void {
    if (!this.closed) this.raw.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
