import { spawn } from 'node:child_process';
import net from 'node:net';

/**
 * The helper that hands the listening socket back: it receives the raw handle (a TCP wrap, never listened on here,
 * so it accepts nothing) and sends it back `copies` times; each send arrives as a new descriptor of the same socket.
 */
const HELPER = `
process.on('message', (message, handle) => {
  let left = message.copies;
  const next = () => left-- > 0 && process.send('apphub:listen-copy', handle, next);
  next();
});`;

/**
 * The extra listeners; `close()` stops them accepting (the server's own listener, and every connection, are closed
 * by the server).
 */
export interface AcceptFanout {
  readonly copies: number;
  close(): Promise<void>;
}

/**
 * Lets a busy process accept up to `copies + 1` connections per event-loop turn instead of one.
 *
 * Since libuv 1.45 (Node 20 ships 1.46) a listening socket accepts ONE connection per turn (libuv pull request
 * 3696). A service whose turns take tens of milliseconds under load then drains its accept queue at 20-30
 * connections a second: clients whose keep-alive connections are all busy (reads waiting for `minSeq`) open new
 * ones, those wait in the kernel unseen by admission, the clients open more, and reads took 5-50 s (issue 15).
 *
 * The same listening socket under several descriptors is polled once per descriptor, and each accepts one
 * connection per turn. Node 20 has no `dup` and no `SO_REUSEPORT` for a server, so a short-lived helper process
 * receives the socket over IPC and sends it back `copies` times (every handle passed over IPC arrives as a new
 * descriptor). Each copy feeds the `connection` event of `server`, so HTTP, keep-alive, timeouts and shutdown work
 * as for the server's own connections. Linux only; elsewhere, or with `copies` 0, nothing changes.
 */
export async function widenAccept(server: net.Server, copies: number, backlog: number): Promise<AcceptFanout> {
  const handle = (server as unknown as { _handle?: object })._handle;
  if (copies <= 0 || process.platform !== 'linux' || !server.listening || !handle) return noFanout;
  const received = await receiveCopies(handle, copies);
  const listeners = await Promise.all(
    received.map(
      (copy) =>
        new Promise<net.Server>((resolve, reject) => {
          const listener = net.createServer((socket) => server.emit('connection', socket));
          listener.once('error', reject);
          listener.listen({ handle: copy, backlog } as net.ListenOptions, () => {
            listener.off('error', reject);
            // An accept failure (EMFILE…) is the server's, as it would be on its own descriptor.
            listener.on('error', (error) => server.emit('error', error));
            resolve(listener);
          });
        }),
    ),
  );
  return {
    copies: listeners.length,
    // Stops accepting at once. It does not wait for the connections a copy accepted: those belong to the HTTP
    // server, whose own close ends them (waiting here for keep-alive connections held shutdown up for their timeout).
    close: async () => {
      for (const listener of listeners) listener.close();
    },
  };
}

const noFanout: AcceptFanout = { copies: 0, close: async () => undefined };

function receiveCopies(handle: object, copies: number): Promise<object[]> {
  return new Promise((resolve, reject) => {
    const helper = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const received: object[] = [];
    const settle = (error?: Error) => {
      clearTimeout(timer);
      helper.removeAllListeners();
      if (!helper.killed && helper.exitCode === null) helper.kill();
      if (error && received.length === 0) reject(error);
      else resolve(received);
    };
    const timer = setTimeout(() => settle(new Error('the accept helper did not answer within 10 s')), 10_000);
    helper.on('message', (message, copy) => {
      if (message !== 'apphub:listen-copy' || !copy) return;
      received.push(copy);
      if (received.length === copies) settle();
    });
    helper.once('error', settle);
    helper.once('exit', () => settle(new Error('the accept helper exited before it answered')));
    helper.send({ copies }, handle as net.Server, (error) => error && settle(error));
  });
}
