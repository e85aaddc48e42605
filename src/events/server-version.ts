import { MisconfigurationError } from '../config/misconfiguration.js';

/**
 * The first nats-server release whose clustered streams check `Nats-Expected-Last-Subject-Sequence` under
 * concurrent publishes (before it, two publishes expecting the same sequence may both be accepted on a replicated
 * stream: nats-server issue 4320). The service's single-writer-per-subject guarantees rest on that check.
 */
export const MIN_CLUSTERED_NATS_VERSION = '2.9.20';
/** The setting that starts the service on an older clustered server anyway. */
export const UNSAFE_NATS_VERSION_SETTING = 'APPHUB_ALLOW_UNSAFE_NATS_VERSION';

/** `major.minor.patch` of a server version string (`2.9.10`, `v2.10.4-beta.1`); null when it is not one. */
export function parseServerVersion(version: string): [number, number, number] | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

function atLeast(version: [number, number, number], minimum: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== minimum[i]) return version[i]! > minimum[i]!;
  return true;
}

/**
 * Why the service must not start on this server with these replicas (null: it may). With one replica there is no
 * race; an unreadable version counts as too old (the check cannot vouch for it).
 */
export function serverVersionProblem(version: string, replicas: number): string | null {
  if (replicas <= 1) return null;
  const parsed = parseServerVersion(version);
  if (parsed && atLeast(parsed, parseServerVersion(MIN_CLUSTERED_NATS_VERSION)!)) return null;
  return (
    `nats-server ${version || 'of unknown version'} may accept two publishes expecting the same last subject ` +
    `sequence on a stream with ${replicas} replicas (nats-server issue 4320), which would let a run or an asset ` +
    `be written twice; use nats-server ${MIN_CLUSTERED_NATS_VERSION} or later, or set ` +
    `${UNSAFE_NATS_VERSION_SETTING}=true to start anyway`
  );
}

/**
 * Refuses to start (`MisconfigurationError` naming `APPHUB_STREAM_REPLICAS`) on a server with the race, unless
 * `allowUnsafe`; then returns the problem so the caller can log it.
 */
export function checkServerVersion(version: string, replicas: number, allowUnsafe: boolean): string | null {
  const problem = serverVersionProblem(version, replicas);
  if (problem && !allowUnsafe) throw new MisconfigurationError('APPHUB_STREAM_REPLICAS', problem);
  return problem;
}
