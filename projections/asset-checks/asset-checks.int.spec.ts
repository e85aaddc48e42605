import { anAssetCheckEvaluated } from '../../test/support/builders/asset-events.js';
import { projectionSpec } from '../../test/support/projection-spec.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { assetChecksProjection } from './asset-checks.projection.js';
import { listCheckResults } from './asset-checks.queries.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const results = (slug: string, filter: { partitionKey?: string; checkName?: string } = {}) =>
  listCheckResults(t.db, { slug, assetId: 'demo.asset', limit: 50, ...filter });

describe('asset_checks projection (issue 20)', () => {
  it('stores one row per asset.check.evaluated and lists them newest first', async () => {
    const passed = anAssetCheckEvaluated({ workflowSlug: 'wf-c1', seq: 10, metadata: { rows: 3 } });
    const failed = anAssetCheckEvaluated({
      workflowSlug: 'wf-c1',
      seq: 11,
      checkName: 'total',
      severity: 'warn',
      blocking: false,
      passed: false,
      source: 'service',
      producedEventId: 'produced-2',
      violations: [{ path: '/', message: "must have required property 'total'" }],
    });
    await projectionSpec(t.db, assetChecksProjection)
      .given([passed])
      .when(failed)
      .then(
        async () =>
          (await results('wf-c1')).map(({ checkName, passed, metadata, violations, eventSeq }) => ({
            checkName,
            passed,
            metadata,
            violations,
            eventSeq,
          })),
        [
          {
            checkName: 'total',
            passed: false,
            metadata: null,
            violations: [{ path: '/', message: "must have required property 'total'" }],
            eventSeq: 11,
          },
          { checkName: 'rows', passed: true, metadata: { rows: 3 }, violations: [], eventSeq: 10 },
        ],
      );
  });

  it('is idempotent: a redelivered event adds no row', async () => {
    const event = anAssetCheckEvaluated({ workflowSlug: 'wf-c2', seq: 20 });
    await projectionSpec(t.db, assetChecksProjection)
      .given([])
      .when(event, { times: 3 })
      .then(async () => (await results('wf-c2')).length, 1);
  });

  it('filters by partition and by check name', async () => {
    const events = [
      anAssetCheckEvaluated({ workflowSlug: 'wf-c3', seq: 30, partitionKey: 'eu' }),
      anAssetCheckEvaluated({ workflowSlug: 'wf-c3', seq: 31, partitionKey: 'us' }),
      anAssetCheckEvaluated({ workflowSlug: 'wf-c3', seq: 32, partitionKey: 'us', checkName: 'other' }),
    ];
    await t.db.transaction().execute((tx) => assetChecksProjection.projectBatch!(events, tx));
    expect((await results('wf-c3', { partitionKey: 'us' })).map((r) => r.eventSeq)).toEqual([32, 31]);
    expect((await results('wf-c3', { checkName: 'rows' })).map((r) => r.eventSeq)).toEqual([31, 30]);
  });
});
