import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { BenchService } from '../support/bench-service.js';

const SLUG = 'bench-backfill';
const PARTITIONS = Number(process.env.BENCH_BACKFILL_PARTITIONS ?? 10_000);
const TIMEOUT_MS = Number(process.env.BENCH_BACKFILL_TIMEOUT_S ?? 300) * 1000;
/** The service's `ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW` (it inherits this process's env). */
const CAP = Number(process.env.ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW ?? 4);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

interface Progress {
  queued: number;
  requested: number;
  waiting: number;
  running: number;
}

/**
 * The backfill figure of issue 10: a backfill of `BENCH_BACKFILL_PARTITIONS` (10,000) minute windows, every one
 * allowed in flight at once (`maxConcurrentRuns` = the partition count), so the figure is the request pipeline
 * itself: POST (range enumerated and checked, one event) → the backfill manager releases every partition → the
 * materializer requests one run each (derived ids, expected-empty subjects) → the run executor queues them behind
 * the workflow's cap. Measured from the POST to every partition released and every run requested, in the stream
 * (the backfill subject holds every release; the materializer's checkpoint passed the last one, so every run
 * request is stored) and as the backfill read model shows them; then how many runs run at once (the job has no
 * worker, so started runs stay running and the rest wait). Returns report rows.
 */
export async function measureBackfill(service: BenchService): Promise<Array<[string, string, string?]>> {
  await service.registerWorkflow({
    slug: SLUG,
    name: 'Backfill bench',
    steps: [
      {
        id: 'load',
        jobSlug: 'bench-backfill-nobody',
        produces: [{ assetId: 'bench.backfill.out', partitioning: { type: 'timeWindow', granularity: 'minute' } }],
      },
    ],
  });
  const to = new Date(Date.UTC(2024, 0, 1) + (PARTITIONS - 1) * 60_000).toISOString().slice(0, 16);
  const startedAt = performance.now();
  const response = await service.request('POST', `/workflows/${SLUG}/backfills`, {
    partitions: { from: '2024-01-01T00:00', to },
    maxConcurrentRuns: PARTITIONS,
  });
  const answeredMs = performance.now() - startedAt;
  if (response.status !== 202) throw new Error(`backfill refused: ${JSON.stringify(response.body)}`);
  const id = response.body.data.id as string;
  const db = new pg.Client({ connectionString: service.databaseUrl });
  await db.connect();
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const subject = `${service.prefix}.backfill.${SLUG}.${id}`;
  try {
    const at: Record<'streamReleased' | 'streamRequested' | 'released' | 'requested', number | null> = {
      streamReleased: null,
      streamRequested: null,
      released: null,
      requested: null,
    };
    let lastRelease = 0;
    let peakRunning = 0;
    const deadline = Date.now() + TIMEOUT_MS;
    while (at.requested === null && Date.now() < deadline) {
      const elapsed = () => performance.now() - startedAt;
      if (at.streamReleased === null) {
        const stored = await subjectState(jsm, service.streams.events, subject);
        if (stored.count >= PARTITIONS + 1) [at.streamReleased, lastRelease] = [elapsed(), stored.lastSeq];
      }
      if (
        at.streamReleased !== null &&
        at.streamRequested === null &&
        (await checkpoint(db, 'materializer')) >= lastRelease
      )
        at.streamRequested = elapsed();
      const progress = await readProgress(db, id);
      if (progress && progress.queued === 0) at.released ??= elapsed();
      if (progress && progress.queued + progress.requested + progress.waiting === 0) at.requested = elapsed();
      peakRunning = Math.max(peakRunning, await runningRuns(db));
      if (at.requested === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Let the executor settle, then look at what runs: never more than the cap.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const statuses = await runStatuses(db);
    peakRunning = Math.max(peakRunning, statuses.get('running') ?? 0);
    const seconds = (ms: number | null) => (ms === null ? 'not within the timeout' : `${(ms / 1000).toFixed(2)} s`);
    const rate = (ms: number | null) => (ms === null ? '' : `${Math.round(PARTITIONS / (ms / 1000))} partitions/s`);
    const label = `backfill of ${PARTITIONS} minute partitions`;
    return [
      [`${label}: POST answered`, `${answeredMs.toFixed(0)} ms`, 'range enumerated, checked, one event'],
      [`${label}: all released (stream)`, seconds(at.streamReleased), rate(at.streamReleased)],
      [
        `${label}: all runs requested (stream)`,
        seconds(at.streamRequested),
        `${rate(at.streamRequested)}; target ≤ 10 s (Dagster enqueues about 1 run/s)`,
      ],
      [`${label}: all released (read model)`, seconds(at.released), rate(at.released)],
      [`${label}: all runs requested (read model)`, seconds(at.requested), rate(at.requested)],
      [
        `${label}: runs at once`,
        `${peakRunning} running`,
        `cap ${CAP}; ${statuses.get('pending') ?? 0} pending, ${[...statuses.values()].reduce((a, b) => a + b, 0)} runs`,
      ],
    ];
  } finally {
    await nc.close();
    await db.end();
  }
}

/** How many events one subject holds, and the sequence of its last one. */
async function subjectState(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<{ count: number; lastSeq: number }> {
  const info = await jsm.streams.info(stream, { subjects_filter: subject } as never);
  const count = (info.state.subjects as Record<string, number> | undefined)?.[subject] ?? 0;
  if (count === 0) return { count, lastSeq: 0 };
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  return { count, lastSeq: last?.seq ?? 0 };
}

async function checkpoint(db: pg.Client, name: string): Promise<number> {
  const { rows } = await db.query<{ last_seq: string }>('select last_seq from projection_checkpoint where name = $1', [
    name,
  ]);
  return Number(rows[0]?.last_seq ?? 0);
}

async function readProgress(db: pg.Client, id: string): Promise<Progress | null> {
  const { rows } = await db.query<Progress>(
    'select queued, requested, waiting, running from backfill where backfill_id = $1',
    [id],
  );
  return rows[0] ?? null;
}

async function runningRuns(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `select count(*)::int as count from workflow_run where workflow_slug = $1 and status = 'running'`,
    [SLUG],
  );
  return rows[0]!.count;
}

async function runStatuses(db: pg.Client): Promise<Map<string, number>> {
  const { rows } = await db.query<{ status: string; count: number }>(
    'select status, count(*)::int as count from workflow_run where workflow_slug = $1 group by status',
    [SLUG],
  );
  return new Map(rows.map((row) => [row.status, row.count]));
}
