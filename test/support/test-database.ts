import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import type { Database } from '../../projections/database.js';
import { createDatabase } from '../../src/db/database-factory.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { databaseUrl, TEST_ADMIN_DATABASE_URL } from './test-env.js';

export interface TestDatabase {
  name: string;
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

const TEMPLATE = `apphub_tpl_${createHash('sha256').update(Object.keys(migrations).join(',')).digest('hex').slice(0, 12)}`;
const TEMPLATE_LOCK = 774411;

/** A fresh database copied from the migrated template, so test files run in parallel on their own data. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `apphub_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(async (admin) => {
    await ensureTemplate(admin);
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${TEMPLATE}`);
        return;
      } catch (error) {
        if (attempt > 100 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  const url = databaseUrl(name);
  const db = createDatabase({ connectionString: url, maxConnections: 8 });
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.destroy();
      await withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Creates and migrates the template once per migration set (advisory-locked across parallel workers). */
async function ensureTemplate(admin: pg.Client): Promise<void> {
  const ready = await admin.query(`select 1 from pg_database where datname = $1 and datistemplate`, [TEMPLATE]);
  if (ready.rowCount) return;
  await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const exists = await admin.query('select datistemplate from pg_database where datname = $1', [TEMPLATE]);
    if (exists.rows[0]?.datistemplate) return;
    if (exists.rowCount === 0) await admin.query(`create database ${TEMPLATE}`);
    const db = createDatabase({ connectionString: databaseUrl(TEMPLATE), maxConnections: 1 });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    await admin.query(`alter database ${TEMPLATE} is_template true`);
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
