import { aRunStory } from '../../test/support/builders/lineage-events.js';
import { aStep } from '../../test/support/builders/materializer-events.js';
import { projectionSpec } from '../../test/support/projection-spec.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { runHistoryProjection } from './run-history.projection.js';
import { findRun, findRuns, runStatuses } from './run-history.queries.js';

describe('run history projection', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  const spec = () => projectionSpec(database.db, runHistoryProjection);
  const steps = [aStep('load'), aStep('publish', { dependsOn: ['load'] })];
  const story = (runId: string) => aRunStory({ slug: 'history', runId, steps });
  const summary = async (runId: string) => {
    const run = await findRun(database.db, runId);
    return run && { status: run.status, lastSeq: run.lastSeq, steps: Object.values(run.steps).map((s) => s.status) };
  };

  describe('when a run is requested', () => {
    it('stores it pending, once even when the request is delivered twice', async () => {
      const run = story('run-requested');
      const requested = run.requested();
      await spec()
        .given([])
        .when(requested, { times: 2 })
        .then(() => summary('run-requested'), {
          status: 'pending',
          lastSeq: requested.seq,
          steps: ['pending', 'pending'],
        });
    });
  });

  describe('when a run succeeds', () => {
    it('folds every step and ends succeeded; the final event delivered again changes nothing', async () => {
      const run = story('run-succeeded');
      const history = [
        run.requested(),
        run.started(),
        run.dispatched('load'),
        run.succeeded('load', []),
        run.dispatched('publish'),
        run.succeeded('publish', []),
      ];
      const end = run.runSucceeded();
      await spec()
        .given(history)
        .when(end, { times: 3 })
        .then(() => summary('run-succeeded'), {
          status: 'succeeded',
          lastSeq: end.seq,
          steps: ['succeeded', 'succeeded'],
        });
    });

    it('ignores an older event delivered out of order (a duplicate of an earlier step)', async () => {
      const run = story('run-out-of-order');
      const dispatched = run.dispatched('load');
      const history = [
        run.requested(),
        run.started(),
        dispatched,
        run.succeeded('load', []),
        run.dispatched('publish'),
        run.failed('publish'),
        run.runFailed(),
      ];
      await spec()
        .given(history)
        .when(dispatched, { times: 2 })
        .then(() => summary('run-out-of-order'), {
          status: 'failed',
          lastSeq: history[history.length - 1]!.seq,
          steps: ['succeeded', 'failed'],
        });
      expect(await runStatuses(database.db, ['run-out-of-order'])).toEqual(new Map([['run-out-of-order', 'failed']]));
    });
  });

  describe('findRuns', () => {
    it('answers runs by id in the order asked, null for an unknown id, each as findRun answers it', async () => {
      const ids = ['run-requested', 'nobody', 'run-succeeded', 'run-requested'];
      const runs = await findRuns(database.db, ids);
      expect(runs).toEqual(await Promise.all(ids.map((id) => findRun(database.db, id))));
      expect(runs.map((run) => run?.status ?? null)).toEqual(['pending', null, 'succeeded', 'pending']);
      expect(await findRuns(database.db, [])).toEqual([]);
    });
  });
});
