import 'reflect-metadata';
import { ConfigError, loadConfigFromProcess } from './config/load-config.js';
import { MisconfigurationError } from './config/misconfiguration.js';
import { redactUrlPasswords } from './config/redact.js';
import type { Logger } from 'pino';
import { isTransientError } from './events/transient-error.js';
import { createLogger } from './observability/logger.js';
import { onParentGone } from './runtime/parent-watch.js';
import { supervise } from './runtime/supervisor.js';
import { widenAccept, type AcceptFanout } from './http/accept-fanout.js';

/** Pending connections the kernel keeps for us (see the listen call). */
const LISTEN_BACKLOG = 4096;

/**
 * `npm start`: the service, configured by env, in the roles of `APPHUB_ROLES`; without it, in the layout of
 * `APPHUB_LAYOUT` (default `split`: two child processes, see runtime/supervisor.ts).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  if (!config.rolesExplicit && config.layout === 'split') {
    process.exit(await supervise(config, log, process.argv[1]!));
  }
  // Loaded only here (the supervisor needs neither), and Nest only once the connections are open: a process whose
  // settings are wrong stops before it has spent seconds loading the framework.
  const { openPlatform } = await import('./runtime/platform.js');
  const platform = await openWhenReachable(() => openPlatform(config, { log }), log);
  const { createApp } = await import('./runtime/create-app.js');
  const app = await createApp(platform);
  let closing: Promise<void> | undefined;
  const accept: { fanout?: AcceptFanout } = {};
  const shutdown = (reason: string, code: number) => {
    closing ??= (async () => {
      log.info({ reason }, 'shutting down: draining consumers');
      await accept.fanout?.close();
      await app.close().catch((error) => log.error({ err: error }, 'shutdown failed'));
      await platform.close();
      process.exit(code);
    })();
    return closing;
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void shutdown(signal, 0));
  // Started by `npm start` in one process (APPHUB_LAYOUT=single): stop with npm even when npm was killed outright.
  if (config.launchedByNpm && !config.supervised) onParentGone(() => void shutdown('npm gone', 0));
  // A child of the split layout stops with its supervisor (even a `kill -9` of it), instead of running on orphaned.
  if (config.supervised && process.send) process.once('disconnect', () => void shutdown('supervisor gone', 1));
  // An outage surfacing where nobody awaited it is logged and survived; anything else is a bug: log it and stop
  // cleanly (consumers give their work back, the orchestrator restarts the process).
  const onStray = (kind: string) => (error: unknown) => {
    if (isTransientError(error)) return log.warn({ err: error }, `${kind} (infrastructure; continuing)`);
    log.fatal({ err: error }, `${kind}: stopping`);
    void shutdown(kind, 1);
  };
  process.on('unhandledRejection', onStray('unhandled rejection'));
  process.on('uncaughtException', onStray('uncaught exception'));
  // Every role serves /health and /metrics; only `api` instances serve the API itself (see create-app.ts).
  // A deep accept queue: under a burst of new connections Node's default (511) overflowed and the kernel dropped
  // connections, which clients retried after 1, 3, 7 s — seconds of waiting admission never saw. Accepted, they are
  // answered (or shed) in milliseconds. The kernel caps it at net.core.somaxconn.
  await app.listen({ port: config.httpPort, host: config.httpHost, backlog: LISTEN_BACKLOG });
  // Node 20 accepts one connection per event-loop turn; a busy process accepts up to copies + 1 (issue 15).
  accept.fanout = await widenAccept(app.getHttpServer(), config.httpAcceptCopies, LISTEN_BACKLOG).catch(
    (error: unknown) => {
      log.warn({ err: error }, 'accepting on extra descriptors failed; one connection per event-loop turn');
      return undefined;
    },
  );
  log.info(
    { port: config.httpPort, roles: [...config.roles], prefix: config.subjectPrefix },
    'apphub-assets listening',
  );
}

/**
 * Start-up waits for NATS and Postgres (e.g. when they start together) instead of exiting at once; only
 * unreachable servers are waited for — refused credentials or certificates and missing files
 * (`MisconfigurationError`) end the start at once.
 */
async function openWhenReachable<T>(open: () => Promise<T>, log: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (error) {
      if (!isTransientError(error) || attempt >= 60) throw error;
      log.warn({ err: error, attempt }, 'dependencies not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
    }
  }
}

main().catch((error) => {
  // A ConfigError found on connecting (e.g. the body limit against the server's max_payload) and a setting the
  // servers refuse (credentials, certificates, files) are the operator's to fix: one line naming the setting.
  const text =
    error instanceof ConfigError || error instanceof MisconfigurationError
      ? error.message
      : ((error as Error).stack ?? String(error));
  process.stderr.write(`apphub-assets failed to start: ${redactUrlPasswords(text)}\n`);
  process.exit(1);
});
