// Usage: node .ci/probe-nats.mjs [host:port]   (default 127.0.0.1:4222)
// Exit 0: NATS answers with JetStream enabled. Exit 2: the port is held, but not by a NATS with JetStream.
// Exit 1: nothing listens there.
import { connect as tcpConnect } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const [host, port] = (process.argv[2] ?? '127.0.0.1:4222').replace(/^nats:\/\//, '').split(':');

function listening() {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port: Number(port) });
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('connect', () => {
      resolve(true);
      socket.destroy();
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

if (!(await listening())) {
  console.log(`nothing listens on ${host}:${port}`);
  process.exit(1);
}
let nc;
try {
  nc = await connect({ servers: `${host}:${port}`, timeout: 2000, reconnect: false, name: 'apphub-ci-probe' });
  const jsm = await jetstreamManager(nc, { timeout: 2000 });
  const info = await jsm.getAccountInfo();
  console.log(`NATS ${nc.info?.version ?? '?'} with JetStream on ${host}:${port} (${info.streams} streams)`);
  await nc.close();
  process.exit(0);
} catch (error) {
  console.log(`${host}:${port} is held, but not by a NATS with JetStream: ${error.message}`);
  await nc?.close().catch(() => undefined);
  process.exit(2);
}
