import 'reflect-metadata';
import { jest } from '@jest/globals';
import type { RunnerStatus } from '../events/stream-consumer.js';
import type { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { HealthController, NATS_GRACE_MS } from './health.controller.js';

const LEASE_TTL_MS = 2000;

/** A controller over one consumer whose status and lease holder the test sets. */
function controllerFor(consumer: { status: RunnerStatus; holder: string | null }) {
  const platform = {
    config: { leaseTtlMs: LEASE_TTL_MS },
    events: { leases: { holderOf: async () => consumer.holder } },
  };
  const registry = { runners: () => [{ status: () => consumer.status }], names: () => [consumer.status.name] };
  const controller = new HealthController(platform as unknown as Platform, registry as unknown as ConsumerRegistry);
  return () =>
    (controller as unknown as { checkConsumers(): Promise<{ ok: boolean; detail?: unknown }> }).checkConsumers();
}

const status = (leader: boolean): RunnerStatus => ({
  name: 'read_models',
  leader,
  position: 0,
  failingSince: null,
  failingOn: null,
  stalledSince: null,
  lastError: null,
  phase: 'waiting for events',
  phaseSince: 0,
});

describe('readiness of a consumer whose lease nobody holds', () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('is a problem only once the lease stays unheld for the TTL plus the NATS grace', async () => {
    const consumer = { status: status(false), holder: null };
    const check = controllerFor(consumer);
    expect((await check()).ok).toBe(true);
    now += LEASE_TTL_MS + NATS_GRACE_MS;
    expect((await check()).ok).toBe(true);
    now += 1;
    expect(await check()).toEqual({ ok: false, detail: { read_models: 'no process holds its lease' } });
  });

  it('counts from when this process lost the lease, not from a take-over long before', async () => {
    const consumer: { status: RunnerStatus; holder: string | null } = { status: status(false), holder: null };
    const check = controllerFor(consumer);
    // Seen unheld while it passed to this process, which then led the consumer for ten minutes.
    expect((await check()).ok).toBe(true);
    consumer.status = status(true);
    consumer.holder = '42:here';
    now += 1000;
    expect((await check()).ok).toBe(true);
    now += 600_000;
    // Lost (a NATS outage: renewals fail, the entry ages out): nobody holds it, since just now.
    consumer.status = status(false);
    consumer.holder = null;
    expect((await check()).ok).toBe(true);
    now += LEASE_TTL_MS + NATS_GRACE_MS;
    expect((await check()).ok).toBe(true);
    now += 1;
    expect((await check()).ok).toBe(false);
  });

  it('never counts a standby as stalled behind the stream, whatever stall it saw while it led', async () => {
    const stalled = { ...status(false), stalledSince: now - 60_000, phase: 'acquiring lease' as const };
    const consumer: { status: RunnerStatus; holder: string | null } = { status: stalled, holder: '7:elsewhere' };
    const check = controllerFor(consumer);
    expect(await check()).toEqual({ ok: true });
    // The same stall on the lease holder is a problem, with where its runner waits.
    consumer.status = { ...stalled, leader: true, phase: 'applying a batch', phaseSince: now - 12_300 };
    expect(await check()).toEqual({
      ok: false,
      detail: { read_models: 'stalled behind the stream (applying a batch for 12.3 s)' },
    });
  });
});
