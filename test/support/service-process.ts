import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { watchFindingFile } from './response-contract-hook.js';
import { TEST_NATS_URL } from './test-env.js';
import { TEST_TOKENS } from './test-app.js';

const ROOT = process.cwd();
const MAIN = join(ROOT, 'dist/src/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` when it is missing or older than the sources (one builder at a time across test workers). */
export function ensureBuilt(): void {
  const fresh = () =>
    existsSync(MAIN) &&
    statSync(MAIN).mtimeMs >=
      Math.max(...['src', 'projections', 'migrations', 'examples'].map((d) => newestSource(join(ROOT, d))));
  if (fresh()) return;
  const lock = join(ROOT, '.build.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      execFileSync('sleep', ['0.5']);
      if (fresh()) return;
    }
  }
  try {
    if (!fresh()) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    unlinkSync(lock);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServiceProcess {
  /** The process started: the service itself, or in the split layout the supervisor of its two processes. */
  child: ChildProcess;
  baseUrl: string;
  /** The split layout's second process (health and metrics), when `APPHUB_BACK_HTTP_PORT` was given. */
  backUrl?: string;
  output(): string;
}

/**
 * Runs the built service as a child process (so a test can `kill -9` it) and waits until it is ready. Its responses
 * are checked against its OpenAPI document like an in-process app's (findings go to a file the test file reads).
 */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  ensureBuilt();
  const port = await freePort();
  const findings = join(tmpdir(), `apphub-response-contract-${process.pid}-${port}.txt`);
  watchFindingFile(findings);
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NATS_URL: TEST_NATS_URL,
      APPHUB_OPERATOR_TOKENS: JSON.stringify(TEST_TOKENS),
      APPHUB_LEASE_TTL_MS: '2000',
      // One process, so a test's `kill -9` is a crash of the whole service (the split layout has its own test).
      APPHUB_LAYOUT: 'single',
      LOG_LEVEL: 'warn',
      // Test machines are shared and tests fire bursts: queue rather than shed (the overload tests set their own).
      APPHUB_MAX_EVENT_LOOP_UTILIZATION: '1',
      APPHUB_MAX_CONCURRENT_REQUESTS: '512',
      APPHUB_HANDLING_TARGET_MS: '600000',
      APPHUB_MAX_QUEUE_MS: '10000',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      APPHUB_TEST_RESPONSE_CONTRACT_FILE: findings,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  child.once('exit', () => running.delete(child));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      // A service the test never got a handle to would keep Jest from exiting: it goes with the failure.
      child.kill('SIGKILL');
      throw new Error(`service not ready within ${READY_WITHIN_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const back = env.APPHUB_LAYOUT === 'split' && env.APPHUB_BACK_HTTP_PORT ? env.APPHUB_BACK_HTTP_PORT : '';
  return { child, baseUrl, ...(back ? { backUrl: `http://127.0.0.1:${back}` } : {}), output: () => output };
}

/** Generous: a loaded 2-core CI machine may take long to start a process. */
const READY_WITHIN_MS = 60_000;

/** Every service child still running; a test file that fails before its cleanup leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** SIGKILL: no shutdown hooks, no drains — a crash. */
export async function killHard(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGKILL');
  await exited;
}
