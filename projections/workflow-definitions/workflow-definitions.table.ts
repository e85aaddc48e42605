import type { ColumnType, JSONColumnType } from 'kysely';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One row per workflow: the latest definition. */
export interface WorkflowDefinitionTable {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  version: number;
  definition: JSONColumnType<WorkflowDefinition>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_seq: number;
}

/** One row per (workflow, step, direction, asset): who produces and consumes what (the seed's table). */
export interface WorkflowAssetDeclarationTable {
  id: string;
  workflow_definition_id: string;
  workflow_slug: string;
  step_id: string;
  step_name: string | null;
  step_type: string;
  direction: 'produces' | 'consumes';
  asset_id: string;
  asset_schema: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  freshness: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  auto_materialize: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  partitioning: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  position: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}
