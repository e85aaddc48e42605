import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { assetPartitionKey, type AutoRunRecord } from '../saga-state.js';
import { loadMaterializerKeys, saveMaterializerChanges } from './materializer.store.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const latestKey = assetPartitionKey('report', 'report.daily', 'eu');
const unpartitioned = assetPartitionKey('report', 'report.total', null);
const parametersKey = assetPartitionKey('report', 'report.daily', 'us');
const ended: AutoRunRecord = {
  runId: 'run-ended',
  workflowSlug: 'report',
  partitionKey: 'eu',
  chain: ['ingest', 'report'],
  status: 'succeeded',
};
const unpartitionedRun: AutoRunRecord = { ...ended, runId: 'run-2', partitionKey: null, status: 'requested' };

describe('materializer store: a batch’s load round in one statement', () => {
  beforeAll(async () => {
    await t.db.transaction().execute((tx) =>
      saveMaterializerChanges(tx, {
        workflows: [],
        latest: [
          [latestKey, { eventId: 'produced-1', seq: 9_007_199_254, producedAt: '2026-12-08T03:00:00.000Z' }],
          [unpartitioned, { eventId: 'produced-2', seq: 12, producedAt: '2026-12-08T03:00:01.000Z' }],
        ],
        targets: [],
        runs: [ended, unpartitionedRun],
        parameters: [[parametersKey, { parameters: { region: 'us', days: [1, 2] }, source: 'manual' }]],
        seen: [
          ['trigger-1', 41],
          ['trigger-2', 42],
        ],
      }),
    );
  });

  it('finds every part with its values typed as stored, and leaves absent keys out', async () => {
    const found = await loadMaterializerKeys(t.db, {
      latest: [latestKey, unpartitioned, assetPartitionKey('report', 'report.daily', 'absent')],
      parameters: [parametersKey, latestKey],
      runs: ['run-ended', 'run-2', 'run-absent'],
      seen: ['trigger-2', 'trigger-absent'],
    });
    expect(found.latest).toEqual(
      new Map([
        [latestKey, { eventId: 'produced-1', seq: 9_007_199_254, producedAt: '2026-12-08T03:00:00.000Z' }],
        [unpartitioned, { eventId: 'produced-2', seq: 12, producedAt: '2026-12-08T03:00:01.000Z' }],
      ]),
    );
    expect(found.parameters).toEqual(
      new Map([[parametersKey, { parameters: { region: 'us', days: [1, 2] }, source: 'manual' }]]),
    );
    expect(found.runs).toEqual(
      new Map([
        ['run-ended', ended],
        ['run-2', unpartitionedRun],
      ]),
    );
    expect(found.seen).toEqual(new Map([['trigger-2', 42]]));
  });

  it('asks one part alone, and nothing at all when no key is asked for', async () => {
    const onlySeen = await loadMaterializerKeys(t.db, { latest: [], parameters: [], runs: [], seen: ['trigger-1'] });
    expect(onlySeen.seen).toEqual(new Map([['trigger-1', 41]]));
    expect([onlySeen.latest.size, onlySeen.parameters.size, onlySeen.runs.size]).toEqual([0, 0, 0]);

    const statements: string[] = [];
    const counted = t.db.withPlugin({
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const none = await loadMaterializerKeys(counted, { latest: [], parameters: [], runs: [], seen: [] });
    expect(statements).toHaveLength(0);
    expect([none.latest.size, none.parameters.size, none.runs.size, none.seen.size]).toEqual([0, 0, 0, 0]);
    await loadMaterializerKeys(counted, {
      latest: [latestKey],
      parameters: [parametersKey],
      runs: ['run-2'],
      seen: [],
    });
    expect(statements).toHaveLength(1);
  });
});
