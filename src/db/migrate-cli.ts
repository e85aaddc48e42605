import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { redactUrlPasswords } from '../config/redact.js';
import { MisconfigurationError } from '../config/misconfiguration.js';
import { asDatabaseMisconfiguration, createDatabase } from './database-factory.js';
import { migrateToLatest } from './migrate.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const db = createDatabase({ connectionString: config.databaseUrl, tls: config.databaseTls, maxConnections: 1 });
  try {
    const result = await migrateToLatest(db).catch((error: unknown) => {
      throw asDatabaseMisconfiguration(error, config.databaseTls);
    });
    const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(
    redactUrlPasswords(
      error instanceof ConfigError || error instanceof MisconfigurationError
        ? `${error.message}\n`
        : `migration failed: ${(error as Error).stack ?? error}\n`,
    ),
  );
  process.exit(1);
});
