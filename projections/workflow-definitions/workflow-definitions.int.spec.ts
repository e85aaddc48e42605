import { aDefinitionUpdated, aWorkflow } from '../../test/support/builders/workflow-events.js';
import { projectionSpec } from '../../test/support/projection-spec.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { workflowDefinitionsProjection } from './workflow-definitions.projection.js';
import { findWorkflowBySlug, listDeclarations } from './workflow-definitions.queries.js';

describe('workflow definitions projection', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  const spec = () => projectionSpec(database.db, workflowDefinitionsProjection);
  const declarations = (slug: string) =>
    listDeclarations(database.db, { slug }).then((rows) => rows.map((r) => `${r.direction}:${r.stepId}:${r.assetId}`));

  describe('when a workflow is registered', () => {
    it('stores the definition and its producer/consumer declarations, once even when delivered twice', async () => {
      const workflow = aWorkflow({ slug: 'reg' });
      await spec()
        .given([])
        .when(aDefinitionUpdated(workflow, 10), { times: 2 })
        .then(() => declarations('reg'), ['produces:produce:demo.out', 'consumes:produce:demo.in']);
      expect((await findWorkflowBySlug(database.db, 'reg'))?.version).toBe(1);
    });
  });

  describe('when a newer version arrives', () => {
    it('replaces the declarations, and a late duplicate of the older version changes nothing', async () => {
      const v1 = aWorkflow({ slug: 'upd' });
      const v2 = {
        ...v1,
        version: 2,
        steps: [{ ...v1.steps[0]!, produces: [{ assetId: 'demo.other' }], consumes: [] }],
      };
      const older = aDefinitionUpdated(v1, 20);
      await spec()
        .given([older, aDefinitionUpdated(v2, 21)])
        .when(older)
        .then(() => declarations('upd'), ['produces:produce:demo.other']);
      expect((await findWorkflowBySlug(database.db, 'upd'))?.version).toBe(2);
    });
  });

  it('keeps the auto-materialize policy of produced assets only', async () => {
    const workflow = aWorkflow({
      slug: 'policy',
      steps: [
        {
          id: 's',
          type: 'job',
          jobSlug: 'j',
          dependsOn: [],
          retries: 0,
          produces: [{ assetId: 'p.out', autoMaterialize: { onUpstreamUpdate: true, priority: 3 } }],
          consumes: [{ assetId: 'p.in' }],
        },
      ],
    });
    await spec()
      .given([])
      .when(aDefinitionUpdated(workflow, 30))
      .then(
        async () =>
          (await listDeclarations(database.db, { slug: 'policy' })).map((r) => [r.direction, r.autoMaterialize]),
        [
          ['produces', { onUpstreamUpdate: true, priority: 3 }],
          ['consumes', null],
        ],
      );
  });
});
