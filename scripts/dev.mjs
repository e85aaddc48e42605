// `npm run dev`: the embedded default (DESIGN §9). Installs and builds when needed; reuses NATS (with JetStream) and
// Postgres when they answer on 127.0.0.1, else starts nats-server and an embedded Postgres under .data/; then runs
// the service with the examples loaded and a dev operator token, and prints what to try.
//
// Reads only what it must choose or pass on: NATS_URL, DATABASE_URL, HTTP_PORT, APPHUB_OPERATOR_TOKENS, and two dev
// knobs for trying the fallbacks: APPHUB_DEV_NATS_PROBE_PORT (4222) and APPHUB_DEV_PG_PROBE_PORT (5432).
// Only node: built-ins and dependency-free modules are imported up front: node_modules may not exist yet.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { banner } from './dev/banner.mjs';
import { DevError, runStep, signalCurrentStep, stopChild, track } from './dev/child-processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEV_TOKENS = JSON.stringify([
  { subject: 'dev', token: 'dev-token', scopes: ['workflows:write', 'workflows:run'] },
]);

/** What we started, newest last; stopped in reverse order. Servers we merely reused never get here. */
const owned = [];
let service;
let stopping;

async function main() {
  process.chdir(root);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => onSignal(signal));

  const stale = dependenciesStale();
  if (stale) {
    console.log(`[dev] ${stale}: installing dependencies`);
    await runStep('npm', ['ci']);
  }
  await runStep('npm', ['run', 'build']);
  abortIfStopping();

  const { provideNats } = await import('./dev/nats.mjs');
  const { providePostgres } = await import('./dev/postgres.mjs');
  const nats = await provideNats({ root });
  if (nats.stop) owned.push(nats);
  abortIfStopping();
  const postgres = await providePostgres({ root });
  if (postgres.stop) owned.push(postgres);
  abortIfStopping();
  console.log(`[dev] NATS ${nats.url.replace(/(\/\/[^\s:@/]*:)[^\s@/]*@/g, '$1***@')} (${nats.origin}); Postgres ${postgres.origin}`);

  const port = process.env.HTTP_PORT || '4000';
  const env = {
    APPHUB_LOAD_EXAMPLES: 'true',
    APPHUB_OPERATOR_TOKENS: DEV_TOKENS,
    LOG_LEVEL: 'info',
    ...process.env,
    NATS_URL: nats.url,
    DATABASE_URL: postgres.url,
  };
  const token = process.env.APPHUB_OPERATOR_TOKENS ? undefined : 'dev-token';
  if (await portTaken(port)) {
    throw new DevError(
      `something already listens on port ${port} (a service an earlier \`npm run dev\` left?); stop it or set HTTP_PORT`,
    );
  }
  startService(env);
  if (await serviceReady(port)) process.stdout.write(banner({ port, token, nats, postgres }));
}

/** Why `npm ci` must run first, or undefined. npm touches node_modules/.package-lock.json on every install. */
function dependenciesStale() {
  const stat = (file) => statSync(path.join(root, file), { throwIfNoEntry: false });
  const modules = stat('node_modules');
  if (!modules) return 'node_modules is missing';
  const installed = Math.max(modules.mtimeMs, stat('node_modules/.package-lock.json')?.mtimeMs ?? 0);
  const lock = stat('package-lock.json');
  return lock && lock.mtimeMs > installed ? 'package-lock.json is newer than node_modules' : undefined;
}

function portTaken(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => {
      resolve(true);
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

function startService(env) {
  console.log('[dev] $ node dist/src/main.js');
  // Own process group, so a terminal Ctrl-C reaches only us and the service gets exactly one signal (from us).
  service = track(
    spawn(process.execPath, ['dist/src/main.js'], { env, detached: true, stdio: ['ignore', 'inherit', 'inherit'] }),
  );
  service.once('exit', (code, signal) => {
    const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15);
    if (!stopping) console.error(`[dev] the service exited (${signal ?? `code ${code}`})`);
    void shutdown(exitCode);
  });
}

/** Polls /health/ready until it answers 200 (true), or the service is gone (false). */
async function serviceReady(port) {
  const url = `http://127.0.0.1:${port}/health/ready`;
  const started = Date.now();
  let hinted = false;
  let last = 'no answer yet';
  while (service.exitCode === null && service.signalCode === null && !stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return true;
      last = `${response.status} ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    if (!hinted && Date.now() - started > 60_000) {
      console.log(`[dev] still waiting for ${url}: ${last}`);
      hinted = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function onSignal(signal) {
  if (stopping) {
    // npm run forwards the terminal's Ctrl-C too; only a later, deliberate second one forces the issue.
    if (Date.now() - stopping.at > 1500 && service?.exitCode === null) {
      console.error('[dev] forcing the service to stop');
      service.kill('SIGKILL');
    } else if (Date.now() - stopping.at > 1500 && !service) {
      process.exit(130); // still setting up: the exit hook SIGTERMs what we started
    }
    return;
  }
  stopping = { at: Date.now(), signal };
  console.log(`[dev] ${signal}: stopping${service ? ' the service' : ''}…`);
  if (service)
    service.kill(signal); // its exit handler runs shutdown()
  else signalCurrentStep(signal);
}

function abortIfStopping() {
  if (stopping) throw new DevError(`stopped by ${stopping.signal}`, 130);
}

let shuttingDown = false;
/** Stops what we started, newest first, then exits. */
async function shutdown(exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (service) await stopChild(service, 'SIGTERM', 20_000);
  for (const resource of owned.reverse()) {
    console.log(`[dev] stopping the ${resource.name} we started`);
    await resource.stop().catch((error) => console.error(`[dev] ${error.message}`));
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(error instanceof DevError ? `[dev] ${error.message}` : error);
  void shutdown(error instanceof DevError ? error.exitCode : 1);
});
