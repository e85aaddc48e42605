import type { Transaction } from 'kysely';
import type { WorkflowAssetDeclarationTable } from './workflow-definitions.table.js';
import type { Insertable } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { WorkflowDefinitionUpdated } from '../../src/workflows/workflow.events.js';
import type { Database } from '../database.js';
import type { Projection } from '../projection.js';

const DECLARATION_NAMESPACE = 'b3e4a1f2-6c5d-4e8f-9a0b-1c2d3e4f5a6b';

/**
 * Workflow definitions and `workflow_asset_declarations` (who produces and consumes which asset). A definition
 * update replaces the workflow's declarations; an event older than the stored row changes nothing.
 */
export const workflowDefinitionsProjection: Projection = {
  name: 'workflow_definitions',
  version: 1,
  tables: ['workflow_definition', 'workflow_asset_declarations'],
  canHandle: ['workflow.definition.updated'],
  async project(event, tx) {
    const { workflow } = (event as StoredEvent<string, WorkflowDefinitionUpdated>).data;
    const row = {
      id: workflow.id,
      slug: workflow.slug,
      name: workflow.name,
      description: workflow.description ?? null,
      version: workflow.version,
      definition: JSON.stringify(workflow),
      created_at: workflow.createdAt,
      updated_at: workflow.updatedAt,
      last_seq: event.seq,
    };
    const written = await tx
      .insertInto('workflow_definition')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('slug')
          .doUpdateSet({
            name: row.name,
            description: row.description,
            version: row.version,
            definition: row.definition,
            updated_at: row.updated_at,
            last_seq: row.last_seq,
          })
          .where('workflow_definition.last_seq', '<', event.seq),
      )
      .returning('id')
      .executeTakeFirst();
    if (!written) return;
    await replaceDeclarations(tx, (event as StoredEvent<string, WorkflowDefinitionUpdated>).data);
  },
};

async function replaceDeclarations(tx: Transaction<Database>, { workflow }: WorkflowDefinitionUpdated): Promise<void> {
  await tx.deleteFrom('workflow_asset_declarations').where('workflow_definition_id', '=', workflow.id).execute();
  const rows: Insertable<WorkflowAssetDeclarationTable>[] = [];
  let position = 0;
  for (const step of workflow.steps) {
    for (const direction of ['produces', 'consumes'] as const) {
      for (const declaration of step[direction] ?? []) {
        rows.push({
          id: uuidv5(`${workflow.id}|${step.id}|${direction}|${declaration.assetId}`, DECLARATION_NAMESPACE),
          workflow_definition_id: workflow.id,
          workflow_slug: workflow.slug,
          step_id: step.id,
          step_name: step.name ?? null,
          step_type: step.type,
          direction,
          asset_id: declaration.assetId,
          asset_schema: json(declaration.schema),
          freshness: json(declaration.freshness),
          auto_materialize: direction === 'produces' ? json(declaration.autoMaterialize) : null,
          partitioning: json(declaration.partitioning),
          position: position++,
          created_at: workflow.createdAt,
          updated_at: workflow.updatedAt,
        });
      }
    }
  }
  if (rows.length > 0) await tx.insertInto('workflow_asset_declarations').values(rows).execute();
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
