// Runs once before the suite, outside Jest's TypeScript transform: only removes what killed runs left behind
// (test databases and test streams older than an hour). The template database is migrated by the first test
// file that needs it (test/support/test-database.ts), under an advisory lock.
import pg from 'pg';

export default async function globalSetup() {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const old = await admin.query(
      `select datname from pg_database where datname like 'apphub_t_%'
         and (pg_stat_file('base/' || oid || '/PG_VERSION')).modification < now() - interval '1 hour'`,
    );
    for (const row of old.rows)
      await admin.query(`drop database if exists ${row.datname} with (force)`).catch(() => undefined);
  } catch {
    // pg_stat_file needs superuser; without it leftovers simply stay.
  } finally {
    await admin.end();
  }
}
