import { aDecision } from '../../test/support/builders/backfill-events.js';
import { projectionSpec } from '../../test/support/projection-spec.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { autoMaterializeDecisionsProjection } from './auto-materialize-decisions.projection.js';
import { listDecisions } from './auto-materialize-decisions.queries.js';

describe('auto-materialize decisions projection', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  const spec = () => projectionSpec(database.db, autoMaterializeDecisionsProjection);
  const decisions = (slug: string) =>
    listDecisions(database.db, { slug, limit: 10 }).then((rows) =>
      rows.map((row) => `${row.eventSeq} ${row.outcome} ${row.partitionKey} ${row.runId ?? '-'}`),
    );

  describe('when a decision is recorded', () => {
    it('stores one row for it, however often it is delivered', async () => {
      const enqueued = aDecision('enqueued', { slug: 'once', partitionKey: 'p1', backfillIds: ['b1'], runId: 'r1' });
      await spec()
        .given([])
        .when(enqueued, { times: 3 })
        .then(() => decisions('once'), [`${enqueued.seq} enqueued p1 r1`]);
    });
  });

  describe('when an older decision arrives again after newer ones', () => {
    it('changes nothing: the rows stay as first written, newest first', async () => {
      const enqueued = aDecision('enqueued', { slug: 'late', partitionKey: 'p1', backfillIds: ['b1'], runId: 'r1' });
      const coalesced = aDecision('coalesced', { slug: 'late', partitionKey: 'p1', backfillIds: ['b2'] });
      const skipped = aDecision('skipped', { slug: 'late', partitionKey: 'p2', backfillIds: ['b3'] });
      await spec()
        .given([enqueued, coalesced, skipped])
        .when(enqueued, { times: 2 })
        .then(
          () => decisions('late'),
          [`${skipped.seq} skipped p2 -`, `${coalesced.seq} coalesced p1 -`, `${enqueued.seq} enqueued p1 r1`],
        );
    });
  });
});
