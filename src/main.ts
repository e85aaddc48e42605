import 'reflect-metadata';
import { ConfigError, loadConfigFromProcess } from './config/load-config.js';
import { redactUrlPasswords } from './config/redact.js';
import { createLogger } from './observability/logger.js';
import { createApp } from './runtime/create-app.js';
import { openPlatform } from './runtime/platform.js';

/** `npm start`: the service, configured by env, in the roles of `APPHUB_ROLES`. */
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
  const platform = await openPlatform(config, { log });
  const app = await createApp(platform);
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down: draining consumers');
    await app.close();
    await platform.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Every role serves /health and /metrics; only `api` instances serve the API itself (see create-app.ts).
  await app.listen(config.httpPort, config.httpHost);
  log.info(
    { port: config.httpPort, roles: [...config.roles], prefix: config.subjectPrefix },
    'apphub-assets listening',
  );
}

main().catch((error) => {
  // A ConfigError found on connecting (e.g. the body limit against the server's max_payload) is the operator's to fix.
  const text = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`apphub-assets failed to start: ${redactUrlPasswords(text)}\n`);
  process.exit(1);
});
