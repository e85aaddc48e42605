import pg from 'pg';
import { encodeCursor } from '../../src/http/cursor.js';
import type { BenchService } from '../support/bench-service.js';
import { percentile } from '../support/raw-limits.js';
import { HOT_PARTITION, PARTITIONED_ASSET, PRODUCER, SUMMARY_ASSET } from './seed-events.js';

export interface LatencyFigure {
  name: string;
  p50: number;
  p99: number;
}

/**
 * The read endpoints at the seeded size: first and deep pages of history and partitions, `/assets`,
 * `/assets/:id` (first and deep), `/assets/graph`. Deep pages start at a cursor in the middle of the listing,
 * built from the read model the way the endpoint builds its own.
 */
export async function measureQueries(service: BenchService, requests: number): Promise<LatencyFigure[]> {
  const deep = await deepCursors(service.databaseUrl);
  const base = `/workflows/${PRODUCER}/assets`;
  const paths: Array<[string, string]> = [
    ['history, first page (unpartitioned asset)', `${base}/${SUMMARY_ASSET}/history?limit=10`],
    ['history, deep page (unpartitioned asset)', `${base}/${SUMMARY_ASSET}/history?limit=10&cursor=${deep.summary}`],
    ['history, first page (1M-partition asset)', `${base}/${PARTITIONED_ASSET}/history?limit=10`],
    [
      'history, deep page of one partition',
      `${base}/${PARTITIONED_ASSET}/history?limit=10&partitionKey=${HOT_PARTITION}&cursor=${deep.hot}`,
    ],
    ['partitions, first page', `${base}/${PARTITIONED_ASSET}/partitions?limit=50`],
    ['partitions, deep page', `${base}/${PARTITIONED_ASSET}/partitions?limit=50&cursor=${deep.partitions}`],
    ['partitions, first page with total', `${base}/${PARTITIONED_ASSET}/partitions?limit=50&total=true`],
    ['/assets', '/assets?limit=50'],
    [`/assets/${PARTITIONED_ASSET}`, `/assets/${PARTITIONED_ASSET}?limit=50`],
    [`/assets/${PARTITIONED_ASSET}, deep page`, `/assets/${PARTITIONED_ASSET}?limit=50&cursor=${deep.asset}`],
    ['/assets/graph', '/assets/graph'],
  ];
  const figures: LatencyFigure[] = [];
  for (const [name, path] of paths) {
    const first = await service.request('GET', path);
    if (first.status !== 200) throw new Error(`${path} answered ${first.status}: ${JSON.stringify(first.body)}`);
    for (let i = 0; i < 10; i++) await service.request('GET', path);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const response = await service.request('GET', path);
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    }
    figures.push({ name, p50: percentile(times, 50), p99: percentile(times, 99) });
  }
  return figures;
}

async function deepCursors(databaseUrl: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const middle = async (sql: string, params: unknown[]) => {
      const count = await db.query<{ n: string }>(`select count(*) as n from (${sql}) x`, params);
      const offset = Math.floor(Number(count.rows[0]!.n) / 2);
      const { rows } = await db.query(`${sql} offset ${offset} limit 1`, params);
      return rows[0];
    };
    const history = (partition: boolean) =>
      `select produced_at, seq from asset_materialization where workflow_slug = $1 and asset_id = $2 ${partition ? 'and partition_key = $3' : ''} order by produced_at desc, seq desc`;
    const summary = await middle(history(false), [PRODUCER, SUMMARY_ASSET]);
    const hot = await middle(history(true), [PRODUCER, PARTITIONED_ASSET, HOT_PARTITION]);
    const partition = await middle(
      `select sort_key, partition_key_norm from asset_partition where workflow_slug = $1 and asset_id = $2 order by sort_key desc, partition_key_norm collate "C"`,
      [PRODUCER, PARTITIONED_ASSET],
    );
    const latest = await middle(
      `select latest_produced_at, latest_seq from asset_partition where asset_id = $1 and materializations > 0 order by latest_produced_at desc, latest_seq desc`,
      [PARTITIONED_ASSET],
    );
    const historyCursor = (row: { produced_at: Date; seq: string }) =>
      encodeCursor({ p: row.produced_at.toISOString(), s: Number(row.seq) });
    return {
      summary: historyCursor(summary),
      hot: historyCursor(hot),
      partitions: encodeCursor({ s: Number(partition.sort_key), k: partition.partition_key_norm }),
      asset: encodeCursor({ p: latest.latest_produced_at.toISOString(), s: Number(latest.latest_seq) }),
    };
  } finally {
    await db.end();
  }
}
