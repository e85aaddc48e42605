/** Where the tests find Postgres and NATS (`TEST_DATABASE_URL`, `TEST_NATS_URL`). */
export const TEST_ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
/** `UPDATE_EXAMPLES=1`: example-file tests rewrite their committed examples instead of comparing. */
export const UPDATE_EXAMPLES = process.env.UPDATE_EXAMPLES === '1';

/** What a child process the tests start (the service, npm, a CLI) inherits of this one: nothing but the command path. */
export const CHILD_PROCESS_ENV: Readonly<Record<string, string>> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/root',
};
