// Postgres for `npm run dev`: DATABASE_URL if set, else 127.0.0.1:5432, else an embedded Postgres under .data/pg.
import { fork } from 'node:child_process';
import { mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DevError, isRoot, stopChild, tail, track, waitFor } from './child-processes.mjs';

const DATABASE = 'apphub';
const EMBEDDED_PORT = 54329;
const EMBEDDED_PASSWORD = 'apphub-dev';
const HOST_SCRIPT = fileURLToPath(new URL('./embedded-postgres-host.mjs', import.meta.url));

/** `{ ok: true }` when `url` accepts a connection and a query, else `{ ok: false, error }`. */
export async function probePostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error.message || error.code || String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `name` on the server of `adminUrl` unless it exists; returns the URL of that database. */
async function ensureDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      console.log(`[dev] creating database ${name}`);
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((error) => {
        if (error.code !== '42P04') throw error; // created concurrently: fine
      });
    }
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Picks the database for the service: `{ url, origin, stop? }`. `stop` is set only for an embedded Postgres we
 * started, so the caller never stops a server it did not start.
 */
export async function providePostgres({ root, env = process.env }) {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, origin: 'from DATABASE_URL' };
  const probePort = Number(env.APPHUB_DEV_PG_PROBE_PORT || 5432);
  const adminUrl = `postgres://postgres@127.0.0.1:${probePort}/postgres`;
  const found = await probePostgres(adminUrl);
  if (found.ok) return { url: await ensureDatabase(adminUrl, DATABASE), origin: 'reused' };
  console.log(`[dev] no usable Postgres at 127.0.0.1:${probePort} (${found.error})`);

  const embeddedAdmin = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  if ((await probePostgres(embeddedAdmin)).ok) {
    const url = await ensureDatabase(embeddedAdmin, DATABASE);
    return { url, origin: 'reused: an embedded Postgres an earlier `npm run dev` left running' };
  }
  const embedded = await startEmbedded(root);
  try {
    return { ...embedded, url: await ensureDatabase(embeddedAdmin, DATABASE) };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

/** Starts `embedded-postgres-host.mjs` in its own process group, so Ctrl-C reaches the service first. */
async function startEmbedded(root) {
  const dataDir = path.join(root, '.data', 'pg');
  const logFile = path.join(root, '.data', 'pg.log');
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot()) assertReachableByOthers(path.dirname(dataDir));
  console.log(`[dev] starting embedded Postgres on 127.0.0.1:${EMBEDDED_PORT}, data in .data/pg (log: .data/pg.log)`);
  const log = openSync(logFile, 'a');
  const child = track(
    fork(HOST_SCRIPT, [], {
      detached: true,
      stdio: ['ignore', log, log, 'ipc'],
      env: {
        ...process.env,
        APPHUB_DEV_PG_DIR: dataDir,
        APPHUB_DEV_PG_PORT: String(EMBEDDED_PORT),
        APPHUB_DEV_PG_PASSWORD: EMBEDDED_PASSWORD,
      },
    }),
  );
  let ready = false;
  let failure;
  child.on('message', (message) => (ready ||= message?.ready === true));
  child.once('error', (error) => (failure = error.message));
  child.once('exit', (code, signal) => (failure ??= `embedded Postgres exited (${signal ?? `code ${code}`})`));
  const stop = async () => {
    if (child.connected) child.send('shutdown'); // embedded-postgres's exit hook stops the server, then exits
    await stopChild(child, 'SIGTERM', 15_000);
  };
  try {
    await waitFor('embedded Postgres', () => ready, {
      timeoutMs: 120_000,
      gaveUp: () => failure && `${failure}${tail(logFile)}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  // The IPC channel stays open: if this process dies without stopping it, the host sees the disconnect and stops.
  return { origin: `embedded, started by npm run dev, pid ${child.pid}`, name: 'embedded Postgres', stop };
}

/** As root, Postgres runs as the `postgres` user, which must be able to enter every folder above its data. */
function assertReachableByOthers(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new DevError(
        `embedded Postgres runs as the postgres user, which cannot enter ${dir} (no execute bit for others).\n` +
          `Run \`chmod o+x ${dir}\`, or set DATABASE_URL to a Postgres you run yourself.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}
