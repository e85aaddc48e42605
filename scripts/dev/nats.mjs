// NATS for `npm run dev`: NATS_URL if set, else a JetStream server on 127.0.0.1:4222, else our own nats-server.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DevError, findExecutable, isRoot, runStep, stopChild, tail, track, waitFor } from './child-processes.mjs';

const OWN_PORT = 4333;

/** 'jetstream' when the server answers with JetStream enabled, 'no-jetstream' when it answers without, else 'down'. */
export async function probeJetStream(servers, timeout = 2000) {
  let nc;
  try {
    nc = await connect({ servers, timeout, reconnect: false, name: 'apphub-dev-probe' });
  } catch {
    return 'down';
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout });
    await jsm.getAccountInfo();
    return 'jetstream';
  } catch {
    return 'no-jetstream';
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/**
 * Picks the NATS server for the service: `{ url, origin, stop? }`. `stop` is set only for a nats-server we started,
 * so the caller never stops one it did not start.
 */
export async function provideNats({ root, env = process.env }) {
  if (env.NATS_URL) return { url: env.NATS_URL, origin: 'from NATS_URL' };
  const probePort = Number(env.APPHUB_DEV_NATS_PROBE_PORT || 4222);
  const probeUrl = `nats://127.0.0.1:${probePort}`;
  const found = await probeJetStream(probeUrl);
  if (found === 'jetstream') return { url: probeUrl, origin: 'reused, JetStream enabled' };
  console.log(`[dev] ${found === 'down' ? 'no NATS answers' : 'NATS without JetStream'} on ${probeUrl}`);

  const ownUrl = `nats://127.0.0.1:${OWN_PORT}`;
  if ((await probeJetStream(ownUrl)) === 'jetstream') {
    return { url: ownUrl, origin: 'reused: a nats-server an earlier `npm run dev` left running' };
  }
  const binary = await ensureNatsServer();
  const dataDir = path.join(root, '.data');
  const logFile = path.join(dataDir, 'nats.log');
  mkdirSync(path.join(dataDir, 'nats'), { recursive: true });
  const log = openSync(logFile, 'a');
  const args = ['-a', '127.0.0.1', '-p', String(OWN_PORT), '-js', '-sd', path.join(dataDir, 'nats')];
  console.log(`[dev] starting ${binary} ${args.join(' ')} (log: .data/nats.log)`);
  // Own process group: Ctrl-C must reach the service first; we stop nats-server after it has drained.
  const child = track(spawn(binary, args, { detached: true, stdio: ['ignore', log, log] }));
  let failure;
  child.once('error', (error) => (failure = error.message));
  child.once('exit', (code, signal) => (failure ??= `nats-server exited (${signal ?? `code ${code}`})`));
  const stop = () => stopChild(child, 'SIGTERM', 10_000);
  try {
    await waitFor(`nats-server on ${ownUrl}`, async () => (await probeJetStream(ownUrl, 1000)) === 'jetstream', {
      timeoutMs: 20_000,
      gaveUp: () => failure && `${failure}${tail(logFile)}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: ownUrl, origin: `started by npm run dev, pid ${child.pid}`, name: 'nats-server', stop };
}

/** The nats-server binary; as root installs Debian's package when missing, else says what to install. */
async function ensureNatsServer() {
  const found = findExecutable('nats-server');
  if (found) return found;
  if (isRoot() && findExecutable('apt-get')) {
    console.log('[dev] nats-server is not installed; installing the Debian package nats-server');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runStep('apt-get', ['update'], { env });
    await runStep('apt-get', ['install', '-y', 'nats-server'], { env });
    const installed = findExecutable('nats-server');
    if (installed) return installed;
  }
  throw new DevError(
    [
      'nats-server (2.9 or newer) is not installed, and no NATS with JetStream answers. Either:',
      '  - install it: `sudo apt-get install -y nats-server` (Debian/Ubuntu), `brew install nats-server` (macOS),',
      '    or a release binary on your PATH (https://docs.nats.io/running-a-nats-service/introduction/installation);',
      '  - or start one yourself with JetStream (`nats-server -js`) and set NATS_URL=nats://127.0.0.1:4222.',
      'Then run `npm run dev` again.',
    ].join('\n'),
  );
}
