import type { ServiceProcess } from '../support/service-process.js';
import type { TimedAnswer } from './cluster-drill.js';

/** One line of a service's pino log (JSON), with its time (epoch ms). */
export interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** The log lines of a service process with message `msg`, at or after `since` (epoch ms). */
export function logLines(service: ServiceProcess, msg: string, since = 0): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of service.output().split('\n')) {
    if (!text.includes(msg)) continue;
    try {
      const line = JSON.parse(text) as LogLine;
      if (line.msg === msg && line.time >= since) lines.push(line);
    } catch {
      /* not a log line */
    }
  }
  return lines;
}

/** The log lines of a service process at or after `since` (epoch ms) that `keep` selects. */
export function logLinesWhere(service: ServiceProcess, keep: (line: LogLine) => boolean, since = 0): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of service.output().split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as LogLine;
      if (line.time >= since && keep(line)) lines.push(line);
    } catch {
      /* not a log line */
    }
  }
  return lines;
}

/**
 * When a service's NATS clients (one per process: two in the split layout, whose lines share one output) noticed
 * that their server went away and when they were connected again, relative to `since` (ms), in order; null when no
 * connection was on the node that went (no disconnect logged).
 */
export function reconnectAfter(
  service: ServiceProcess,
  since: number,
): { noticedMs: number[]; reconnectedMs: number[] } | null {
  const lost = logLines(service, 'NATS disconnected', since);
  if (lost.length === 0) return null;
  const back = logLines(service, 'NATS reconnected', lost[0]!.time);
  return { noticedMs: lost.map((line) => line.time - since), reconnectedMs: back.map((line) => line.time - since) };
}

/** The samples of one Prometheus counter or gauge of an instance, `{label=value,…} → value` (sum over them: `total`). */
export async function metricSamples(baseUrl: string, name: string): Promise<Record<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const samples: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(\S+?)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match && match[1] === name) samples[match[2] ?? ''] = Number(match[3]);
  }
  return samples;
}

/** The completions in flight at `at` (sent before, answered after): how many, the longest wait past `at`, statuses. */
export function inFlightAt(
  seen: readonly TimedAnswer[],
  at: number,
): { count: number; longestWaitMs: number; statuses: number[] } {
  const caught = seen.filter((answer) => answer.sentAt < at && answer.at >= at);
  return {
    count: caught.length,
    longestWaitMs: Math.max(0, ...caught.map((answer) => answer.at - at)),
    statuses: [...new Set(caught.map((answer) => answer.status))],
  };
}

/** p50 and max of some figures (ms), for the report line. */
export function spread(values: readonly number[]): { p50: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted[sorted.length - 1]! };
}

/** What the 503 `dependency_unavailable` answers of some instances since `since` were about: error type and message → count. */
export function dependencyErrors(services: readonly ServiceProcess[], since: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const service of services)
    for (const line of logLines(service, 'dependency unavailable', since)) {
      const err = line.err as { type?: string; message?: string } | undefined;
      const key = `${err?.type ?? '?'}: ${(err?.message ?? '').slice(0, 80)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  return counts;
}
