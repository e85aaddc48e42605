import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { formatSseFrame, SseStream } from './sse-stream.js';

/** A response that records what is written and can refuse writes (back-pressure) until `drain`. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  status = 0;
  headers: Record<string, string> = {};
  full = false;
  ended = false;
  destroyed = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
  }
  write(chunk: string) {
    this.written.push(chunk);
    return !this.full;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
}

const open = (heartbeatMs = 60_000) => {
  const raw = new FakeResponse();
  return { raw, stream: new SseStream(raw as unknown as ServerResponse, { 'x-request-id': 'r1' }, heartbeatMs) };
};

describe('SseStream', () => {
  it('formats frames: id, event, one data line', () => {
    expect(formatSseFrame({ id: 7, event: 'asset.produced', data: '{"a":1}' })).toBe(
      'id: 7\nevent: asset.produced\ndata: {"a":1}\n\n',
    );
    expect(() => formatSseFrame({ data: 'two\nlines' })).toThrow(/one line/);
  });

  it('answers 200 text/event-stream with a retry hint and sends frames', async () => {
    const { raw, stream } = open();
    expect(raw.status).toBe(200);
    expect(raw.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'r1' });
    expect(raw.written[0]).toBe('retry: 2000\n: connected\n\n');
    expect(await stream.send({ id: 1, event: 'ready', data: '{}' })).toBe(true);
    expect(raw.written[1]).toBe('id: 1\nevent: ready\ndata: {}\n\n');
    stream.end();
  });

  it('sends heartbeat comments while idle', async () => {
    const { raw, stream } = open(20);
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(raw.written.filter((chunk) => chunk === ': keep-alive\n\n').length).toBeGreaterThanOrEqual(2);
    stream.end();
    const count = raw.written.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(raw.written).toHaveLength(count);
  });

  it('waits for a slow client to drain, and gives up when it goes away', async () => {
    const { raw, stream } = open();
    raw.full = true;
    let settled: boolean | undefined;
    void stream.send({ data: 'a' }).then((ok) => (settled = ok));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeUndefined();
    raw.full = false;
    raw.emit('drain');
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);

    raw.full = true;
    const pending = stream.send({ data: 'b' });
    raw.emit('close');
    expect(await pending).toBe(false);
    expect(await stream.send({ data: 'c' })).toBe(false);
  });

  it('tells its close listeners once, however it closes', () => {
    const { raw, stream } = open();
    const calls: string[] = [];
    stream.onClose(() => calls.push('first'));
    raw.emit('close');
    raw.emit('error', new Error('reset'));
    stream.end();
    stream.onClose(() => calls.push('late'));
    expect(calls).toEqual(['first', 'late']);
    expect(stream.isClosed).toBe(true);
  });

  it('is closed from the start on a response whose client already left (its close event came before)', () => {
    const raw = new FakeResponse();
    raw.destroyed = true;
    const stream = new SseStream(raw as unknown as ServerResponse, {});
    const calls: string[] = [];
    stream.onClose(() => calls.push('closed'));
    expect(stream.isClosed).toBe(true);
    expect(calls).toEqual(['closed']);
  });
});
