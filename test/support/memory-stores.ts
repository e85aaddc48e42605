import type { ManagerChanges } from '../../src/process-manager/manager-definition.js';
import type { BackfillManagerParts } from '../../src/backfills/backfill-manager.definition.js';
import {
  emptyBackfillManagerState,
  putBackfill,
  type BackfillManagerState,
} from '../../src/backfills/backfill.saga.js';
import {
  shellStateOf,
  type MaterializerLoaded,
  type MaterializerParts,
  type MaterializerReads,
  type MaterializerShellState,
} from '../../src/materializer/materializer.definition.js';
import type { MemoryStore } from './manager-spec.js';

/** Tables in memory: per part, key → row (a write applies the changes; null deletes). */
class MemoryTables<Parts> {
  readonly rows = new Map<keyof Parts, Map<string, unknown>>();

  constructor(readonly parts: ReadonlyArray<keyof Parts>) {
    for (const part of parts) this.rows.set(part, new Map());
  }

  table<P extends keyof Parts>(part: P): Map<string, Parts[P]> {
    return this.rows.get(part) as Map<string, Parts[P]>;
  }

  apply(changes: ManagerChanges<Parts>): void {
    for (const part of this.parts)
      for (const [key, value] of changes[part] as Map<string, unknown>) {
        if (value === null) this.rows.get(part)!.delete(key);
        else this.rows.get(part)!.set(key, structuredClone(value));
      }
  }
}

/** The backfill manager's two tables in memory (as `BackfillManagerStore` keeps them in Postgres). */
export class MemoryBackfillStore implements MemoryStore<BackfillManagerState, null, null, BackfillManagerParts> {
  readonly parts = ['backfill', 'partition'] as const;
  readonly tables = new MemoryTables<BackfillManagerParts>(this.parts);

  async hydrate(): Promise<BackfillManagerState> {
    const state = emptyBackfillManagerState();
    for (const [backfillId, stored] of this.tables.table('backfill')) {
      const active = new Map<string, string | null>();
      for (const row of this.tables.table('partition').values())
        if (row.backfillId === backfillId) active.set(row.partitionKey, row.runId);
      putBackfill(state, { ...structuredClone(stored), active });
    }
    return state;
  }

  async load(): Promise<null> {
    return null;
  }

  async save(_tx: unknown, changes: ManagerChanges<BackfillManagerParts>): Promise<void> {
    this.tables.apply(changes);
  }
}

/** The materializer's tables in memory (as `MaterializerStore` keeps them in Postgres). */
export class MemoryMaterializerStore implements MemoryStore<
  MaterializerShellState,
  MaterializerReads,
  MaterializerLoaded,
  MaterializerParts
> {
  readonly parts = ['workflows', 'targets', 'runs', 'latest', 'parameters', 'seen'] as const;
  readonly tables = new MemoryTables<MaterializerParts>(this.parts);
  /** Keys each load round asked for (what the batches declared). */
  readonly loads: MaterializerReads[] = [];

  async hydrate(): Promise<MaterializerShellState> {
    const t = this.tables;
    return shellStateOf(
      structuredClone({
        workflows: [...t.table('workflows').values()],
        targets: t.table('targets'),
        runs: [...t.table('runs').values()].filter((run) => run.status === 'requested'),
      }),
    );
  }

  async load(_db: unknown, keys: MaterializerReads): Promise<MaterializerLoaded> {
    this.loads.push(keys);
    const pick = <P extends 'latest' | 'parameters' | 'runs' | 'seen'>(part: P) =>
      new Map(
        keys[part].flatMap((key) => {
          const row = this.tables.table(part).get(key);
          return row === undefined ? [] : [[key, structuredClone(row)] as [string, MaterializerParts[P]]];
        }),
      );
    return {
      keys,
      found: { latest: pick('latest'), parameters: pick('parameters'), runs: pick('runs'), seen: pick('seen') },
    };
  }

  async save(_tx: unknown, changes: ManagerChanges<MaterializerParts>): Promise<void> {
    this.tables.apply(changes);
  }
}
