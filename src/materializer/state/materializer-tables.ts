import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { ManagerChanges } from '../../process-manager/manager-definition.js';
import type { ManagerStore } from '../../process-manager/manager-kernel.js';
import {
  shellStateOf,
  type MaterializerLoaded,
  type MaterializerParts,
  type MaterializerReads,
  type MaterializerShellState,
} from '../materializer.definition.js';
import {
  loadMaterializerKeys,
  loadMaterializerSnapshot,
  materializerWriteStatements,
  saveMaterializerChanges,
  type MaterializerChanges,
} from './materializer.store.js';

/**
 * The materializer's tables for the kernel: graph, targets and in-flight runs hydrated whole; a batch's load round
 * reads the per-partition keys it declared (set-based, all four parts in one statement); the changed rows go back in
 * one statement with the checkpoint.
 */
export class MaterializerStore implements ManagerStore<
  MaterializerShellState,
  MaterializerReads,
  MaterializerLoaded,
  MaterializerParts
> {
  readonly parts = ['workflows', 'targets', 'runs', 'latest', 'parameters', 'seen'] as const;

  async hydrate(snapshot: Kysely<Database>): Promise<MaterializerShellState> {
    return shellStateOf(await loadMaterializerSnapshot(snapshot));
  }

  async load(db: Kysely<Database>, keys: MaterializerReads): Promise<MaterializerLoaded> {
    return { keys, found: await loadMaterializerKeys(db, keys) };
  }

  async save(tx: Transaction<Database>, changes: ManagerChanges<MaterializerParts>): Promise<void> {
    await saveMaterializerChanges(tx, materializerChangesOf(changes));
  }

  statements(changes: ManagerChanges<MaterializerParts>): RawBuilder<unknown>[] {
    return materializerWriteStatements(materializerChangesOf(changes));
  }
}

function materializerChangesOf(changes: ManagerChanges<MaterializerParts>): MaterializerChanges {
  const entries = <V>(rows: Map<string, V | null>) =>
    [...rows].map(([key, value]): [string, V | undefined] => [key, value ?? undefined]);
  const values = <V>(rows: Map<string, V | null>) => [...rows.values()].flatMap((value) => (value ? [value] : []));
  return {
    workflows: values(changes.workflows),
    latest: entries(changes.latest),
    targets: entries(changes.targets),
    runs: values(changes.runs),
    parameters: entries(changes.parameters),
    seen: [...changes.seen].flatMap(([id, seq]) => (seq === null ? [] : [[id, seq] as [string, number]])),
  };
}
