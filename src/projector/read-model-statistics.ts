import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { Projection } from '../../projections/projection.js';
import type { StoredEvent } from '../events/envelope.js';

/** No ANALYZE for fewer changed rows than this. */
const MIN_CHANGES = 50_000;

/**
 * Keeps planner statistics of the read-model tables current where autovacuum does not (it is off on these
 * machines): after a projection applied at least `max(MIN_CHANGES, rows at its last analyze)` events (the table
 * roughly doubled — a large catch-up), its tables are ANALYZEd in the background, one at a time, on their own
 * connection. The cost is a sample of the table, not its size, and it never blocks a batch. Queries do not depend
 * on it (their plans are fixed by their shape); it keeps ad-hoc and operator queries sensible.
 */
export class ReadModelStatistics {
  private readonly changes = new Map<string, number>();
  private readonly baseline = new Map<string, number>();
  private readonly types: Array<{ projection: Projection; types: Set<string> }>;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    projections: readonly Projection[],
    private readonly log: Logger,
  ) {
    this.types = projections.map((projection) => ({ projection, types: new Set(projection.canHandle) }));
  }

  /** Reads the current table sizes (estimates) as the baseline. */
  async load(): Promise<void> {
    const tables = this.types.flatMap(({ projection }) => projection.tables);
    const rows = await sql<{ relname: string; reltuples: number }>`
      select relname, reltuples::float8 as reltuples from pg_class
      where relnamespace = 'public'::regnamespace and relname = any(${tables}::text[])`.execute(this.db);
    const sizes = new Map(rows.rows.map((row) => [row.relname, Math.max(0, row.reltuples)]));
    for (const { projection } of this.types)
      this.baseline.set(projection.name, Math.max(0, ...projection.tables.map((table) => sizes.get(table) ?? 0)));
  }

  /** Counts a committed batch; starts an ANALYZE of the projections that grew enough (never throws). */
  record(events: readonly StoredEvent[]): void {
    for (const { projection, types } of this.types) {
      let count = 0;
      for (const event of events) if (types.has(event.type)) count++;
      if (count === 0) continue;
      const changed = (this.changes.get(projection.name) ?? 0) + count;
      this.changes.set(projection.name, changed);
      if (changed >= Math.max(MIN_CHANGES, this.baseline.get(projection.name) ?? 0) && !this.running)
        this.running = this.analyze(projection, changed).finally(() => (this.running = null));
    }
  }

  /** Waits for a running ANALYZE (shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async analyze(projection: Projection, changed: number): Promise<void> {
    this.changes.set(projection.name, 0);
    const started = Date.now();
    try {
      for (const table of projection.tables) await sql`analyze ${sql.table(table)}`.execute(this.db);
      this.baseline.set(projection.name, (this.baseline.get(projection.name) ?? 0) + changed);
      this.log.info({ projection: projection.name, changed, ms: Date.now() - started }, 'read-model tables analyzed');
    } catch (error) {
      this.changes.set(projection.name, (this.changes.get(projection.name) ?? 0) + changed);
      this.log.warn({ err: error, projection: projection.name }, 'analyze of read-model tables failed');
    }
  }
}
