// Child processes for `npm run dev`: run a step, find a binary, wait for a condition, stop what we started.
// Only node: built-ins here, so it loads before `npm ci` has run.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Tells the user why `npm run dev` cannot go on; `dev.mjs` prints the message and exits with `exitCode`. */
export class DevError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Long-running children we started; still running when this process exits, they get SIGTERM (a last resort). */
const tracked = new Set();
process.on('exit', () => {
  for (const child of tracked) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** Registers a child for the exit-time SIGTERM; returns it. */
export function track(child) {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** The step currently running in the foreground, so a signal can stop it. */
let current;

/** Runs a command with inherited stdio; rejects with a `DevError` carrying its exit code when it fails. */
export function runStep(command, args, options = {}) {
  console.log(`[dev] $ ${[command, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    current = child;
    child.once('error', (error) => reject(new DevError(`${command}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      current = undefined;
      if (code === 0) resolve();
      else
        reject(
          new DevError(`\`${[command, ...args].join(' ')}\` failed (${signal ?? `exit code ${code}`})`, code || 1),
        );
    });
  });
}

/** Forwards a signal to the foreground step, if one runs. */
export function signalCurrentStep(signal) {
  current?.kill(signal);
}

/** The absolute path of an executable on PATH (or in the sbin folders a non-root PATH lacks), else undefined. */
export function findExecutable(name) {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const folder of folders.filter(Boolean)) {
    const candidate = path.join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export const isRoot = () => process.getuid?.() === 0;

/** Polls `check` until it returns a truthy value; gives up after `timeoutMs` or when `gaveUp()` says so. */
export async function waitFor(what, check, { timeoutMs = 30_000, intervalMs = 250, gaveUp = () => undefined } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    const reason = gaveUp();
    if (reason) throw new DevError(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new DevError(`${what}: no answer after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once `child` has exited: politely with `signal`, then SIGKILL after `timeoutMs`. */
export function stopChild(child, signal = 'SIGTERM', timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** The last lines of a log file, indented, for error messages. */
export function tail(file, lines = 15) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  return `\n--- last lines of ${path.relative(process.cwd(), file)} ---\n${text.join('\n')}`;
}
