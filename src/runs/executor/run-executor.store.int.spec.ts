import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { aRunStory } from '../../../test/support/builders/lineage-events.js';
import { aStep } from '../../../test/support/builders/materializer-events.js';
import { evolveRun, type RunState } from '../run-state.js';
import type { RunEvent } from '../run.events.js';
import { loadExecutorSnapshot, saveExecutorChanges } from './run-executor.store.js';

const story = aRunStory({ slug: 'wf', runId: 'run-legacy', steps: [aStep('load')] });
const run = [story.requested(), story.started(), story.dispatched('load')].reduce<RunState | null>(
  (state, event) => evolveRun(state, event as unknown as RunEvent & { seq: number }),
  null,
)!;
const produces = [{ assetId: 'wf.out', partitioning: null }];

describe('run executor store over rows written before versioned snapshots (real Postgres)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('hydrates the old rows, and writes them back versioned', async () => {
    const { db } = database;
    // As the executor wrote them before: the in-memory run and the bare produces array.
    await sql`insert into run_executor_run (run_id, workflow_slug, state, last_seq)
      values ('run-legacy', 'wf', ${JSON.stringify(run)}::jsonb, ${run.lastSeq})`.execute(db);
    await sql`insert into run_executor_workflow (slug, produces) values ('wf', ${JSON.stringify(produces)}::jsonb)`.execute(
      db,
    );
    const before = await loadExecutorSnapshot(db);
    expect(before.runs).toEqual([run]);
    expect(before.workflows).toEqual([{ slug: 'wf', produces }]);

    await db
      .transaction()
      .execute((tx) =>
        saveExecutorChanges(tx, { runs: before.runs, endedRunIds: [], workflows: before.workflows, availability: [] }),
      );
    const { rows } = await sql<{ state_v: number; produces_v: number }>`
      select (select (state->>'v')::int from run_executor_run) as state_v,
        (select (produces->>'v')::int from run_executor_workflow) as produces_v`.execute(db);
    expect(rows[0]).toEqual({ state_v: 1, produces_v: 1 });
    const after = await loadExecutorSnapshot(db);
    expect(after.runs).toEqual([run]);
    expect(after.workflows).toEqual(before.workflows);
  });
});
