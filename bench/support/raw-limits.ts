import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

/** Raw JetStream async publish rate (msgs/s) on this machine, measured now: the ceiling for any append path. */
export async function rawJetStreamPublish(natsUrl: string, count = 20_000): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_RAW_${process.pid}`;
  await jsm.streams.add({ name: stream, subjects: [`bench-raw-${process.pid}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  const body = JSON.stringify({ id: 'x'.repeat(36), type: 'asset.produced', data: { payload: { n: 1 } } });
  const started = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    window.push(js.publish(`bench-raw-${process.pid}.a.${i % 100}`, body));
    if (window.length >= 1000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const rate = count / ((performance.now() - started) / 1000);
  await jsm.streams.delete(stream);
  await nc.close();
  return rate;
}

/** Raw Postgres batched insert (rows/s) with a checkpoint update in the same transaction, batches of `batch`. */
export async function rawPostgresBatchInsert(databaseUrl: string, count = 50_000, batch = 500): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const table = `bench_raw_${process.pid}`;
  await client.query(`create temp table ${table} (id text primary key, seq bigint, payload jsonb)`);
  await client.query(`create temp table ${table}_cp (name text primary key, last_seq bigint)`);
  await client.query(`insert into ${table}_cp values ('raw', 0)`);
  const started = performance.now();
  for (let offset = 0; offset < count; offset += batch) {
    const ids: string[] = [];
    const seqs: number[] = [];
    for (let i = offset; i < Math.min(count, offset + batch); i++) {
      ids.push(`row-${i}`);
      seqs.push(i);
    }
    await client.query('begin');
    await client.query(
      `insert into ${table} (id, seq, payload) select unnest($1::text[]), unnest($2::bigint[]), '{"n":1}'::jsonb`,
      [ids, seqs],
    );
    await client.query(`update ${table}_cp set last_seq = $1 where name = 'raw'`, [seqs[seqs.length - 1]]);
    await client.query('commit');
  }
  const rate = count / ((performance.now() - started) / 1000);
  await client.end();
  return rate;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function table(rows: Array<[string, string, string?]>): string {
  const width = Math.max(...rows.map((row) => row[0].length));
  const valueWidth = Math.max(...rows.map((row) => row[1].length));
  return rows
    .map(([name, value, note]) => `  ${name.padEnd(width)}  ${value.padStart(valueWidth)}${note ? `   ${note}` : ''}`)
    .join('\n');
}
