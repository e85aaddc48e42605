import type { ColumnType } from 'kysely';

/** The OpenLineage emitter's batch generation (one row per emitter name). */
export interface LineageEmitterTable {
  name: string;
  generation: ColumnType<number, number | undefined, number>;
}

/** One open workflow run as the emitter remembers it (`RunLineage` as JSON text). */
export interface LineageRunTable {
  run_id: string;
  workflow_slug: string;
  state: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** What one workflow produces (`DeclaredAsset[]` as JSON text). */
export interface LineageProducerTable {
  workflow_slug: string;
  assets: string;
}
