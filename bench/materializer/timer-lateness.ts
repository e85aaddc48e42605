import { randomUUID } from 'node:crypto';
import type { BenchService } from '../support/bench-service.js';
import { readStreamTimes, waitForCheckpoint } from './bench-events.js';
import { summarize, timerKey, type BenchNats, type Percentiles } from './bench-phases.js';

export interface TimerResult {
  pending: number;
  firing: number;
  armRate: number;
  lateness: Percentiles;
  early: number;
  fired: number;
}

/**
 * Arms `count` freshness-ttl timers at once (the materializer's real timer handler fires them: it appends
 * `asset.expired`). `firing` of them are due uniformly over `windowMs`, starting `leadMs` after arming began; the
 * rest are due an hour later, so all `count` are pending while the measured ones fire. Lateness = the
 * `asset.expired` stream timestamp − `expiresAt` (the handler may never append before it).
 */
export async function timerLateness(
  service: BenchService,
  nats: BenchNats,
  count: number,
  firing: number,
  leadMs: number,
  windowMs: number,
): Promise<TimerResult> {
  const { js, jsm } = nats;
  const startedAt = Date.now();
  const firstDue = startedAt + leadMs;
  const fromSeq = (await jsm.streams.info(service.streams.events)).state.last_seq + 1;
  const window: Promise<unknown>[] = [];
  const ids: string[] = [];
  const every = Math.max(1, Math.floor(count / firing));
  for (let i = 0; i < count; i++) {
    const measured = i % every === 0 && ids.length < firing;
    const due = new Date(
      measured ? firstDue + Math.floor((ids.length * windowMs) / firing) : firstDue + 3_600_000,
    ).toISOString();
    const id = randomUUID();
    if (measured) ids.push(id);
    window.push(
      js.publish(
        `${service.prefix}_timer.freshness-ttl.${timerKey('bench-timers', 'bench.timer', `t${i}`)}`,
        JSON.stringify(timerBody(id, i, due)),
      ),
    );
    if (window.length >= 2000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const armRate = count / ((Date.now() - startedAt) / 1000);
  if (Date.now() > firstDue)
    process.stdout.write(`warning: arming took longer than the lead (${Date.now() - startedAt} ms)\n`);
  await new Promise((resolve) => setTimeout(resolve, firstDue + windowMs - Date.now() + 2000));
  const deadline = Date.now() + 120_000;
  let times = await readAll(service, nats, fromSeq);
  while (times.expired.size < ids.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    times = await readAll(service, nats, fromSeq);
  }
  const lateness = ids.flatMap((id) => {
    const fired = times.expired.get(id);
    return fired ? [fired.at - fired.expiresAt] : [];
  });
  return {
    pending: count,
    firing: ids.length,
    armRate,
    lateness: summarize(lateness),
    early: lateness.filter((ms) => ms < 0).length,
    fired: lateness.length,
  };
}

async function readAll(service: BenchService, { js, jsm }: BenchNats, fromSeq: number) {
  const last = (await jsm.streams.info(service.streams.events)).state.last_seq;
  await waitForCheckpoint(service.databaseUrl, 'materializer', last, 300_000).catch(() => undefined);
  return readStreamTimes(js, service.streams.events, service.prefix, fromSeq, last);
}

function timerBody(producedEventId: string, i: number, dueAt: string) {
  const produced = {
    assetId: 'bench.timer',
    workflowDefinitionId: 'bench-timers-id',
    workflowSlug: 'bench-timers',
    workflowRunId: producedEventId,
    runKey: null,
    stepId: 's',
    producedAt: new Date(Date.parse(dueAt) - 60_000).toISOString(),
    partitionKey: `t${i}`,
    schema: null,
    freshness: { ttlMs: 60_000 },
    parameters: null,
  };
  const payload = {
    reason: 'ttl',
    expiresAt: dueAt,
    requestedAt: new Date().toISOString(),
    producedEventId,
    producedSeq: 0,
    cadenceMs: null,
    produced,
  };
  return {
    kind: 'freshness-ttl',
    key: timerKey('bench-timers', 'bench.timer', `t${i}`),
    dueAt,
    armedAt: new Date().toISOString(),
    payload,
  };
}
