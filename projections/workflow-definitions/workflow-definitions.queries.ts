import type { Kysely } from 'kysely';
import type { AssetRole, DeclarationRow } from '../../src/assets/asset-declarations.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';
import type { Database } from '../database.js';

export async function listWorkflows(
  db: Kysely<Database>,
  options: { limit: number; afterSlug?: string },
): Promise<WorkflowDefinition[]> {
  let query = db.selectFrom('workflow_definition').select(['definition']).orderBy('slug').limit(options.limit);
  if (options.afterSlug) query = query.where('slug', '>', options.afterSlug);
  const rows = await query.execute();
  return rows.map((row) => row.definition);
}

export async function findWorkflowBySlug(db: Kysely<Database>, slug: string): Promise<WorkflowDefinition | null> {
  const row = await db
    .selectFrom('workflow_definition')
    .select(['definition'])
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row?.definition ?? null;
}

/** Declarations filtered by workflow and/or asset, in declaration order. */
export async function listDeclarations(
  db: Kysely<Database>,
  filter: { slug?: string; assetId?: string; assetIds?: string[] },
): Promise<DeclarationRow[]> {
  let query = db
    .selectFrom('workflow_asset_declarations')
    .select([
      'workflow_definition_id',
      'workflow_slug',
      'step_id',
      'step_name',
      'step_type',
      'direction',
      'asset_id',
      'asset_schema',
      'freshness',
      'auto_materialize',
      'partitioning',
    ])
    .orderBy('workflow_slug')
    .orderBy('position');
  if (filter.slug) query = query.where('workflow_slug', '=', filter.slug);
  if (filter.assetId) query = query.where('asset_id', '=', filter.assetId);
  if (filter.assetIds)
    query =
      filter.assetIds.length === 0
        ? query.where('asset_id', '=', '\u0000')
        : query.where('asset_id', 'in', filter.assetIds);
  const rows = await query.execute();
  return rows.map((row) => ({
    workflowDefinitionId: row.workflow_definition_id,
    workflowSlug: row.workflow_slug,
    stepId: row.step_id,
    stepName: row.step_name,
    stepType: row.step_type,
    direction: row.direction,
    assetId: row.asset_id,
    schema: row.asset_schema,
    freshness: row.freshness,
    autoMaterialize: row.auto_materialize,
    partitioning: row.partitioning,
  }));
}

/** The role entry of a declaration without its identity columns. */
export function toAssetRole(row: DeclarationRow): AssetRole {
  const { assetId: _a, direction: _d, workflowDefinitionId: _w, ...role } = row;
  return role;
}
