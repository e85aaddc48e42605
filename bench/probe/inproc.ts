/** Diagnostic: serial completions in-process with phase timings (globalThis.__timing / __pub). */
import pg from 'pg';
import { loadConfig } from '../../src/config/load-config.js';
import { natsContextOf } from '../../src/events/nats-context.js';
import { createApp } from '../../src/runtime/create-app.js';
import { openPlatform } from '../../src/runtime/platform.js';
import { percentile } from '../support/raw-limits.js';

async function main() {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query('drop database if exists apphub_probe with (force)');
  await admin.query('create database apphub_probe');
  await admin.end();
  const config = loadConfig({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/apphub_probe',
    APPHUB_SUBJECT_PREFIX: `probe${process.pid}`,
    APPHUB_OPERATOR_TOKENS: JSON.stringify([
      { subject: 'p', token: 'probe-token-1', scopes: ['workflows:write', 'workflows:run'] },
    ]),
    LOG_LEVEL: 'warn',
    HTTP_PORT: '0',
  });
  const platform = await openPlatform(config);
  const app = await createApp(platform);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: 'Bearer probe-token-1', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return r.json() as Promise<any>;
  };
  await call('POST', '/workflows', {
    slug: 'p',
    name: 'P',
    steps: [
      { id: 'load', jobSlug: 'bench-external', produces: [{ assetId: 'p.out', partitioning: { type: 'dynamic' } }] },
    ],
  });
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) ids.push((await call('POST', '/workflows/p/run', { partitionKey: `k${i}` })).data.id);
  await new Promise((r) => setTimeout(r, 2000));
  (globalThis as any).__timing = [];
  (globalThis as any).__pub = [];
  const total: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    await call('POST', `/workflow-runs/${id}/steps/load/complete`, {
      status: 'succeeded',
      result: { assets: [{ assetId: 'p.out', payload: { n: 1 } }] },
    });
    total.push(performance.now() - t);
  }
  const timing = (globalThis as any).__timing as number[][];
  const col = (i: number) => timing.map((row) => row[i]!);
  console.log(
    'total p50',
    percentile(total, 50).toFixed(2),
    'current',
    percentile(col(0), 50).toFixed(2),
    'decide',
    percentile(col(1), 50).toFixed(2),
    'append',
    percentile(col(2), 50).toFixed(2),
    'publish',
    percentile((globalThis as any).__pub, 50).toFixed(2),
  );
  await app.close();
  const nats = natsContextOf(platform.events);
  await nats.jsm.streams.delete(nats.subjects.streams.events).catch(() => 0);
  await platform.close();
}
void main();
