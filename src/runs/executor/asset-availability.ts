import type { AvailabilityQuery } from '../dependency-check.js';
import type { PartitionRef } from './partition-ref.js';
import type { BatchAvailability } from './run-executor.saga.js';

/** The newest materialization of one asset × partition (eventId null = never produced). */
export interface AvailabilityEntry {
  eventId: string | null;
  expired: boolean;
}

/** A row to write back. */
export interface AvailabilityRow {
  assetId: string;
  keyNorm: string;
  eventId: string;
  expired: boolean;
}

const MAX_CACHED = 100_000;

export function keyNorm(partitionKey: string | null): string {
  return partitionKey ?? '';
}

export function cacheKey(assetId: string, partitionKey: string | null): string {
  return `${assetId}\u0000${keyNorm(partitionKey)}`;
}

/**
 * Asset availability as the run executor sees it at its stream position: per asset the number of partitions whose
 * newest materialization has not expired (complete, small), and per asset × partition the newest materialization
 * (cached; loaded on demand before a batch is decided; changed entries stay until their write committed). "Any partition"
 * questions use the counts, exact ones the entries.
 */
export class AvailabilityCache implements BatchAvailability {
  private readonly entries = new Map<string, AvailabilityEntry>();
  private counts = new Map<string, number>();
  private dirty = new Map<string, AvailabilityRow>();
  /** Rows handed to the change tracker, not yet taken by a write-back. */
  private handed = new Set<string>();
  /** Rows taken by the write-back whose transaction has not committed yet: never evicted (a reload reads old rows). */
  private unsaved = new Set<string>();

  reset(counts: Map<string, number>): void {
    this.entries.clear();
    this.dirty.clear();
    this.handed.clear();
    this.unsaved.clear();
    this.counts = counts;
  }

  /** The rows that are not in memory (to load). */
  missing(refs: readonly PartitionRef[]): PartitionRef[] {
    const seen = new Set<string>();
    return refs.filter((query) => {
      const key = cacheKey(query.assetId, query.partitionKey);
      if (this.entries.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Puts loaded entries (absent ones as never produced). */
  load(queries: readonly PartitionRef[], found: ReadonlyMap<string, AvailabilityEntry>): void {
    for (const query of queries) {
      const key = cacheKey(query.assetId, query.partitionKey);
      this.entries.set(key, found.get(key) ?? { eventId: null, expired: false });
    }
    this.evict();
  }

  isAvailable(query: AvailabilityQuery): boolean {
    if (query.partitionKey === null) return (this.counts.get(query.assetId) ?? 0) > 0;
    const entry = this.entry(query.assetId, query.partitionKey);
    return entry.eventId !== null && !entry.expired;
  }

  recordProduced(assetId: string, partitionKey: string | null, eventId: string): void {
    const entry = this.entry(assetId, partitionKey);
    if (entry.eventId === eventId) return;
    if (entry.eventId === null || entry.expired) this.counts.set(assetId, (this.counts.get(assetId) ?? 0) + 1);
    this.put(assetId, partitionKey, { eventId, expired: false });
  }

  recordExpired(assetId: string, partitionKey: string | null, producedEventId: string): void {
    const entry = this.entry(assetId, partitionKey);
    if (entry.eventId !== producedEventId || entry.expired) return;
    this.counts.set(assetId, Math.max(0, (this.counts.get(assetId) ?? 1) - 1));
    this.put(assetId, partitionKey, { eventId: producedEventId, expired: true });
  }

  /** The rows changed since the last call, handed to the change tracker (they stay cached until written). */
  takeChanges(): AvailabilityRow[] {
    const rows = [...this.dirty.values()];
    for (const key of this.dirty.keys()) this.handed.add(key);
    this.dirty = new Map();
    return rows;
  }

  /** The write-back took what was handed over: kept until that write committed. */
  taken(): void {
    for (const key of this.handed) this.unsaved.add(key);
    this.handed.clear();
  }

  /** The write of the rows taken last committed: they may leave memory now. */
  committed(): void {
    this.unsaved.clear();
    this.evict();
  }

  private entry(assetId: string, partitionKey: string | null): AvailabilityEntry {
    const entry = this.entries.get(cacheKey(assetId, partitionKey));
    if (!entry) throw new Error(`availability of ${assetId} [${keyNorm(partitionKey)}] was not loaded for the batch`);
    return entry;
  }

  private put(assetId: string, partitionKey: string | null, entry: AvailabilityEntry): void {
    const key = cacheKey(assetId, partitionKey);
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.dirty.set(key, { assetId, keyNorm: keyNorm(partitionKey), eventId: entry.eventId!, expired: entry.expired });
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= MAX_CACHED) return;
      if (!this.dirty.has(key) && !this.handed.has(key) && !this.unsaved.has(key)) this.entries.delete(key);
    }
  }
}
