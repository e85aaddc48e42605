import { readToken } from '../api/token';
import { SseParser, type SseMessage } from './sse-parser';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface LiveConnectionOptions {
  /** `subjects` filter of GET /events. */
  subjects: string;
  onMessage(message: SseMessage): void;
  onStatus(status: LiveStatus): void;
  /** Called once per (re)connection when the server says where the stream starts (`ready`). */
  onReady?(lastEventId: number): void;
  reconnectDelayMs?: number;
}

/**
 * Follows GET /events with fetch (so the operator token travels as a Bearer header, never in a URL) and reconnects
 * after any error with `Last-Event-ID` = the last id seen: nothing between two connections is missed.
 */
export function openLiveConnection(options: LiveConnectionOptions): () => void {
  let stopped = false;
  let lastEventId: string | null = null;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const delay = options.reconnectDelayMs ?? 2000;

  const connect = async () => {
    if (stopped) return;
    controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const token = readToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    try {
      const response = await fetch(`/events?subjects=${encodeURIComponent(options.subjects)}`, {
        headers,
        signal: controller.signal,
        cache: 'no-store',
      });
      if (response.status === 401) {
        options.onStatus('unauthorized');
        return scheduleReconnect(delay * 5);
      }
      if (response.status === 400 && lastEventId !== null) {
        // The stream does not know our position (it was recreated): start afresh.
        lastEventId = null;
        return scheduleReconnect(0);
      }
      if (!response.ok || !response.body) throw new Error(`GET /events answered ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) {
          if (message.id !== null) lastEventId = message.id;
          if (message.event === 'ready') {
            options.onStatus('live');
            options.onReady?.(Number(message.id));
          } else options.onMessage(message);
        }
      }
    } catch (error) {
      if (stopped) return;
      void error;
    }
    scheduleReconnect(delay);
  };

  const scheduleReconnect = (ms: number) => {
    if (stopped) return;
    options.onStatus('reconnecting');
    timer = setTimeout(() => void connect(), ms);
  };

  options.onStatus('connecting');
  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}
