import { createHash } from 'node:crypto';
import type { NatsContext } from './nats-context.js';
import { DependencyUnavailableError } from './transient-error.js';

/** A run id as the service issues them (uuid v7 for requests, uuid v5 for derived runs). */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CACHED = 100_000;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** What the caller knows about the run that holds a run key. */
export type HolderState = 'active' | 'ended' | 'missing';

export type RunKeyReservation = { reserved: true } | { reserved: false; holder: string };

/**
 * The run-index port over the `<prefix>-runs` KV bucket (DESIGN §3): `runId → slug` (so a completion or a read can
 * find the run's subject), and `runkey.<slug>.<sha256(runKey)> → runId`, created to reserve an active run key and
 * deleted when the run ends.
 */
export class RunIndex {
  private readonly slugs = new Map<string, string>();

  constructor(
    private readonly nats: NatsContext,
    /** A reservation whose run has no event yet is live for this long (its request may still be appending). */
    private readonly reservationGraceMs = 30_000,
  ) {}

  async register(runId: string, slug: string): Promise<void> {
    this.assertConnected();
    await this.nats.runs.put(runId, slug);
    this.remember(runId, slug);
  }

  /** The workflow of a run, or null for an unknown (or malformed) id. */
  async slugOf(runId: string): Promise<string | null> {
    if (!isRunId(runId)) return null;
    const known = this.slugs.get(runId);
    if (known) return known;
    this.assertConnected();
    const entry = await this.nats.runs.get(runId);
    if (!entry || entry.operation !== 'PUT') return null;
    this.remember(runId, entry.string());
    return entry.string();
  }

  /** Remembers a mapping learned elsewhere (a run event seen on the stream). Runs never change workflow. */
  remember(runId: string, slug: string): void {
    if (this.slugs.size >= MAX_CACHED) this.slugs.delete(this.slugs.keys().next().value!);
    this.slugs.set(runId, slug);
  }

  /**
   * Reserves `runKey` for `runId` (at most one active run per workflow × run key). A reservation left by a run
   * that ended (or whose request never got appended, after the grace period) is taken over; otherwise the holder
   * is returned.
   */
  async reserveRunKey(
    slug: string,
    runKey: string,
    runId: string,
    holderState: (holder: string) => Promise<HolderState>,
  ): Promise<RunKeyReservation> {
    this.assertConnected();
    const key = runKeyReservation(slug, runKey);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.nats.runs.create(key, runId);
        return { reserved: true };
      } catch {
        const entry = await this.nats.runs.get(key);
        if (!entry || entry.operation !== 'PUT') continue;
        const holder = entry.string();
        if (holder === runId) return { reserved: true };
        const state = await holderState(holder);
        const young = Date.now() - entry.created.getTime() < this.reservationGraceMs;
        if (state === 'active' || (state === 'missing' && young)) return { reserved: false, holder };
        try {
          await this.nats.runs.update(key, runId, entry.revision);
          return { reserved: true };
        } catch {
          /* someone else took it over: look again */
        }
      }
    }
    throw new DependencyUnavailableError('nats', `run key "${runKey}" is contended; retry`);
  }

  /** Frees a run key if `runId` still holds it. */
  async releaseRunKey(slug: string, runKey: string, runId: string): Promise<void> {
    const key = runKeyReservation(slug, runKey);
    const entry = await this.nats.runs.get(key);
    if (entry && entry.operation === 'PUT' && entry.string() === runId)
      await this.nats.runs.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
  }

  private assertConnected(): void {
    if (!this.nats.isConnected()) throw new DependencyUnavailableError('nats', 'NATS is not connected');
  }
}

/** KV key reserving an active run key: `runkey.<slug>.<sha256(runKey)>`. */
export function runKeyReservation(slug: string, runKey: string): string {
  return `runkey.${slug}.${createHash('sha256').update(runKey).digest('hex')}`;
}
