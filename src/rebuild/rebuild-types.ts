import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { EventStore } from '../events/event-store.js';
import type { EventPorts } from '../events/event-ports.js';
import type { ShadowManifest } from './shadow-schema.js';
import type { TableComparison } from './table-checksums.js';

export interface RebuildDeps {
  db: Kysely<Database>;
  /** `consumers` replays the stream into the shadow tables. */
  events: Pick<EventPorts, 'consumers'>;
  store: EventStore;
  log: Logger;
}

export type RebuildMode = 'swap' | 'compare' | 'build';

export interface RebuildOptions {
  /** `swap` (default): replace the live tables; `compare`: check the live tables against a rebuilt copy, then
   * drop it; `build`: leave the copy in schema `rebuild_shadow`. */
  mode?: RebuildMode;
  /** `compare` only, one-row-per-event read models only: replay and compare from this sequence on. */
  fromSeq?: number;
  /** Discard an unfinished rebuild of other read models instead of refusing. */
  restart?: boolean;
  /** Swap even when the verified row counts differ from the live tables'. */
  force?: boolean;
  /** Aborting stops after the batch in flight; the next run with the same arguments resumes. */
  signal?: AbortSignal;
  onProgress?: (progress: RebuildProgress) => void;
  /** Events per transaction (default 5000). */
  batchSize?: number;
}

export interface RebuildProgress {
  phase: 'replay' | 'indexes' | 'verify' | 'compare';
  seq: number;
  target: number;
}

/** Row counts of one table: the live table and the rebuilt copy (before the swap). */
export interface TableCount {
  table: string;
  live: number;
  rebuilt: number;
}

export interface RebuildReport {
  projections: string[];
  mode: RebuildMode;
  /** The stream sequence the copy was built to. */
  seq: number;
  /** Where this run started (> 0: a resumed rebuild or `--from-seq`). */
  resumedFrom: number;
  interrupted: boolean;
  swapped: boolean;
  /** Live and rebuilt row counts; `exact` when both were at the same stream position (they must match then). */
  counts: TableCount[];
  exact: boolean;
  comparisons: TableComparison[];
  /** `compare`: true when every table is equal. */
  equal: boolean | null;
  /** Swap transactions tried (> 1: the swap yielded to a live writer and was retried alone). */
  swapAttempts: number;
  seconds: number;
  /** Events replayed by this run per second. */
  eventsPerSecond: number;
}

/** A previous rebuild of other read models (or another stream) is unfinished. */
export class RebuildInProgressError extends Error {
  constructor(readonly existing: ShadowManifest) {
    super(
      `an unfinished rebuild of ${existing.projections.join(', ')} exists; run it again with the same arguments to resume, or pass --restart to discard it`,
    );
    this.name = 'RebuildInProgressError';
  }
}

/** The rebuilt copy differs from the live tables at the same stream position: not swapped. */
export class RebuildVerificationError extends Error {
  constructor(readonly counts: TableCount[]) {
    super(
      `rebuilt row counts differ from the live tables at the same position (${counts
        .filter((c) => c.live !== c.rebuilt)
        .map((c) => `${c.table}: live ${c.live}, rebuilt ${c.rebuilt}`)
        .join('; ')}); not swapped (--force swaps anyway)`,
    );
    this.name = 'RebuildVerificationError';
  }
}
