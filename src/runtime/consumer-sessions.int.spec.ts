import { sql } from 'kysely';
import { isTransientError } from '../events/transient-error.js';
import { startTestApp, type TestApp } from '../../test/support/test-app.js';

/** The stream consumers' sessions are bounded below the lease TTL (3 s here): a frozen leader cannot hold locks. */
describe('consumer sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ APPHUB_LEASE_TTL_MS: '3000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('set statement, lock and idle-in-transaction timeouts at half the lease TTL; the API pool sets none', async () => {
    const settings = sql<{ statement: string; lock: string; idle: string }>`select
      current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
      current_setting('idle_in_transaction_session_timeout') as idle`;
    const consumer = (await settings.execute(t.platform.consumerDb)).rows[0];
    expect(consumer).toEqual({ statement: '1500ms', lock: '1500ms', idle: '1500ms' });
    const api = (await settings.execute(t.platform.db)).rows[0];
    expect(api).toEqual({ statement: '0', lock: '0', idle: '0' });
  });

  it('end a transaction frozen with a row lock, so the next leader writes instead of waiting on it', async () => {
    await t.platform.db.insertInto('projection_checkpoint').values({ name: 'frozen-leader', last_seq: 1 }).execute();
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const frozen = t.platform.consumerDb.transaction().execute(async (tx) => {
      await tx.updateTable('projection_checkpoint').set({ last_seq: 2 }).where('name', '=', 'frozen-leader').execute();
      locked();
      // Frozen (SIGSTOP, GC pause) inside the batch for longer than the session allows, then resumes.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await tx.updateTable('projection_checkpoint').set({ last_seq: 3 }).where('name', '=', 'frozen-leader').execute();
    });
    const outcome = frozen.then(
      () => null,
      (error: unknown) => error,
    );
    await lockTaken;
    // The next leader (the API pool has no lock timeout: it waits for as long as the lock is held).
    await t.platform.db
      .updateTable('projection_checkpoint')
      .set({ last_seq: 5 })
      .where('name', '=', 'frozen-leader')
      .execute();
    const error = await outcome;
    expect(error).not.toBeNull();
    expect(isTransientError(error)).toBe(true);
    const row = await t.platform.db
      .selectFrom('projection_checkpoint')
      .select('last_seq')
      .where('name', '=', 'frozen-leader')
      .executeTakeFirstOrThrow();
    expect(row.last_seq).toBe(5);
  });
});
