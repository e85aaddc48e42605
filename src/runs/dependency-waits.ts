import type { Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { RunDependencyWaitTable } from '../../projections/run-executor/run-executor.table.js';

type Wait = Pick<RunDependencyWaitTable, 'run_id' | 'workflow_slug' | 'step_id' | 'asset_id' | 'partition_key'>;

/**
 * The runs waiting for a consumed asset (`run_dependency_wait`), loaded once per executor batch for the assets
 * produced in it and kept in step with what the batch writes, so a batch costs one query, not one per event.
 */
export class DependencyWaits {
  private constructor(private readonly byAsset: Map<string, Wait[]>) {}

  static async forAssets(tx: Transaction<Database>, assetIds: string[]): Promise<DependencyWaits> {
    const byAsset = new Map<string, Wait[]>();
    if (assetIds.length > 0) {
      const rows = await tx
        .selectFrom('run_dependency_wait')
        .select(['run_id', 'workflow_slug', 'step_id', 'asset_id', 'partition_key'])
        .where('asset_id', 'in', assetIds)
        .execute();
      for (const row of rows) byAsset.set(row.asset_id, [...(byAsset.get(row.asset_id) ?? []), row]);
    }
    return new DependencyWaits(byAsset);
  }

  /** Waits satisfied by a production of `assetId` in `partitionKey` (a wait without a key takes any partition). */
  matching(assetId: string, partitionKey: string | null): Wait[] {
    return (this.byAsset.get(assetId) ?? []).filter(
      (wait) => wait.partition_key === null || wait.partition_key === partitionKey,
    );
  }

  async add(tx: Transaction<Database>, wait: Wait, waitUntil: string): Promise<void> {
    this.remove(wait.run_id);
    this.byAsset.set(wait.asset_id, [...(this.byAsset.get(wait.asset_id) ?? []), wait]);
    await tx
      .insertInto('run_dependency_wait')
      .values({ ...wait, wait_until: waitUntil })
      .onConflict((oc) =>
        oc.column('run_id').doUpdateSet({
          step_id: wait.step_id,
          asset_id: wait.asset_id,
          partition_key: wait.partition_key,
          wait_until: waitUntil,
        }),
      )
      .execute();
  }

  remove(runId: string): void {
    for (const [assetId, waits] of this.byAsset)
      this.byAsset.set(
        assetId,
        waits.filter((wait) => wait.run_id !== runId),
      );
  }

  static async deleteFor(tx: Transaction<Database>, runIds: string[]): Promise<void> {
    if (runIds.length > 0) await tx.deleteFrom('run_dependency_wait').where('run_id', 'in', runIds).execute();
  }
}
