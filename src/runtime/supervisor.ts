import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { inheritedEnvironment } from '../config/load-config.js';
import { onParentGone } from './parent-watch.js';

/** Set on the children of the split layout: they stop when their supervisor goes away. */
export const SUPERVISED_ENV = 'APPHUB_SUPERVISED';

export interface ChildSpec {
  roles: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The split layout (the default of `npm start` without `APPHUB_ROLES`): the HTTP API and the job worker in one
 * process, the read models, process managers and OpenLineage emitter in another, so a projection batch never
 * delays an HTTP answer and each half gets its own event loop on a 2-core machine (README "Performance"). The API
 * process keeps `HTTP_PORT` and loads the examples; the other serves health and metrics on `backHttpPort`.
 */
export function splitLayout(config: AppConfig, env: NodeJS.ProcessEnv): ChildSpec[] {
  const back = ['projector', 'materializer', ...(config.roles.has('lineage') ? ['lineage'] : [])].join(',');
  return [
    { roles: 'api,worker', env: { ...env, APPHUB_ROLES: 'api,worker', [SUPERVISED_ENV]: 'true' } },
    {
      roles: back,
      env: {
        ...env,
        APPHUB_ROLES: back,
        HTTP_PORT: String(config.backHttpPort),
        APPHUB_LOAD_EXAMPLES: 'false',
        [SUPERVISED_ENV]: 'true',
      },
    },
  ];
}

/**
 * Runs the split layout's two processes and stays with them: SIGTERM / SIGINT / SIGHUP are passed on as SIGTERM
 * (each child drains and
 * gives its work back), and when one child stops by itself the other is stopped too and the supervisor exits with
 * the child's code, so an orchestrator restarts the whole service. Children stop when the supervisor dies.
 */
export function supervise(config: AppConfig, log: Logger, script: string): Promise<number> {
  const children = splitLayout(config, inheritedEnvironment()).map((spec) => ({
    spec,
    child: fork(script, process.argv.slice(2), { env: spec.env, execArgv: process.execArgv, stdio: 'inherit' }),
  }));
  let code: number | undefined;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const { child } of children) if (running(child)) child.kill(signal);
  };
  const stop = () => {
    code ??= 0;
    stopAll('SIGTERM');
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  // Under `npm start` npm forwards signals (the script `exec`s node); if npm itself is killed there is nobody to
  // forward them, so the supervisor stops the service when its parent goes.
  if (config.launchedByNpm)
    onParentGone(() => {
      log.warn('the npm process that started the service is gone; stopping');
      stop();
    });
  log.info({ processes: children.map(({ spec, child }) => ({ roles: spec.roles, pid: child.pid })) }, 'split layout');
  return new Promise((resolve) => {
    for (const { spec, child } of children) {
      child.on('error', (error) => log.error({ err: error, roles: spec.roles }, 'could not start a child process'));
      child.on('exit', (exitCode, signal) => {
        if (code === undefined) {
          code = exitCode ?? 1;
          log.error({ roles: spec.roles, exitCode, signal }, 'a service process stopped; stopping the other');
          stopAll('SIGTERM');
        }
        if (children.every(({ child: other }) => !running(other))) resolve(code);
      });
    }
  });
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
