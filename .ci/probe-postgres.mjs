// Usage: node .ci/probe-postgres.mjs [url]   (default postgres://postgres@127.0.0.1:5432/postgres)
// Exit 0 when the server accepts a connection and a query, else 1 (the reason is printed).
import pg from 'pg';

const url = process.argv[2] || 'postgres://postgres@127.0.0.1:5432/postgres';
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
client.on('error', () => undefined);
try {
  await client.connect();
  const { rows } = await client.query('show server_version');
  console.log(`Postgres ${rows[0].server_version} answers at ${new URL(url).host}`);
  await client.end();
} catch (error) {
  console.log(`Postgres does not answer at ${new URL(url).host}: ${error.message || error.code}`);
  await client.end().catch(() => undefined);
  process.exit(1);
}
