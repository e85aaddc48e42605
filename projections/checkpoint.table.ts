import type { ColumnType, Generated } from 'kysely';

/** The position of each projection/consumer in `<PREFIX>_EVENTS`: the last stream sequence applied. */
export interface ProjectionCheckpointTable {
  name: string;
  last_seq: number;
  /** The lease (`<prefix>-leases` owner and KV revision) of the last write; null for writers without a lease. */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_revision: ColumnType<number | null, number | null | undefined, number | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Events a projection could not apply on their own: kept with the error, the projection moved on. */
export interface ProjectionDeadLetterTable {
  id: Generated<number>;
  projection: string;
  seq: number;
  subject: string;
  event_id: string | null;
  event_type: string | null;
  error: string;
  body: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Dead letters an operator discarded (`npm run dead-letters -- discard`), with who and why. */
export interface DeadLetterDiscardTable {
  id: Generated<number>;
  consumer: string;
  seq: number;
  subject: string;
  event_id: string | null;
  event_type: string | null;
  error: string;
  body: string;
  dead_lettered_at: Date;
  discarded_by: string;
  reason: string;
  discarded_at: ColumnType<Date, Date | string | undefined, never>;
}
