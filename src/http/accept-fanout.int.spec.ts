import net from 'node:net';
import { widenAccept } from './accept-fanout.js';

/**
 * A server whose event loop is busy 20 ms per turn, and a burst of 120 connections: how many it accepts in one turn.
 * Node 20 (libuv ≥ 1.45) accepts one connection per turn and descriptor.
 */
async function burst(copies: number): Promise<{ copies: number; accepted: number; maxPerTurn: number; port: number }> {
  let accepted = 0;
  let perTurn = 0;
  let maxPerTurn = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    perTurn += 1;
    socket.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const fanout = await widenAccept(server, copies, 1024);
  let busy = true;
  const turn = () => {
    if (!busy) return;
    maxPerTurn = Math.max(maxPerTurn, perTurn);
    perTurn = 0;
    const until = performance.now() + 20;
    while (performance.now() < until);
    setImmediate(turn);
  };
  turn();
  const { port } = server.address() as net.AddressInfo;
  try {
    await Promise.all(
      Array.from(
        { length: 120 },
        () =>
          new Promise<void>((resolve, reject) => {
            const client = net.connect(port, '127.0.0.1');
            client.on('data', () => undefined);
            client.once('error', reject);
            client.once('close', () => resolve());
          }),
      ),
    );
  } finally {
    busy = false;
    await fanout.close();
    await new Promise((resolve) => server.close(resolve));
  }
  return { copies: fanout.copies, accepted, maxPerTurn: Math.max(maxPerTurn, perTurn), port };
}

describe('widenAccept', () => {
  it('accepts several connections per busy event-loop turn, every one reaching the server', async () => {
    const widened = await burst(8);
    expect(widened.copies).toBe(8);
    expect(widened.accepted).toBe(120);
    expect(widened.maxPerTurn).toBeGreaterThan(1);
    expect(widened.maxPerTurn).toBeLessThanOrEqual(9);
    // Closed with the server: the port is free again.
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(widened.port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => again.close(resolve));
  });

  it('changes nothing with 0 copies (one connection per turn, as Node 20 does on its own)', async () => {
    const plain = await burst(0);
    expect(plain.copies).toBe(0);
    expect(plain.accepted).toBe(120);
    expect(plain.maxPerTurn).toBe(1);
  });

  it('stops accepting at once on close, without waiting for the open connections the copies accepted', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
    const fanout = await widenAccept(server, 8, 1024);
    const { port } = server.address() as net.AddressInfo;
    // Idle connections, as keep-alive clients leave them: with nine descriptors most are accepted by a copy.
    const clients = Array.from({ length: 30 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
    while (sockets.length < clients.length) await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = await Promise.race([
      fanout.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000)),
    ]);
    expect(closed).toBe('closed');
    for (const client of clients) client.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
