import type { LineageConfig, LineageTransportName } from './app-config.js';

/** The `OPENLINEAGE_*` settings, with the checks that span several variables. */
export function lineageConfig(raw: Record<string, unknown>, problems: string[]): LineageConfig {
  const url = String(raw.OPENLINEAGE_URL) || null;
  const listed = String(raw.OPENLINEAGE_TRANSPORT);
  const transports = new Set<LineageTransportName>(
    listed ? (listed.split(',') as LineageTransportName[]) : [url ? 'http' : 'nats'],
  );
  if (transports.has('http') && !url) {
    problems.push('OPENLINEAGE_TRANSPORT includes http, which needs OPENLINEAGE_URL');
  }
  const natsSubject = String(raw.OPENLINEAGE_NATS_SUBJECT) || null;
  const prefix = String(raw.APPHUB_SUBJECT_PREFIX);
  if (natsSubject && !natsSubject.startsWith(`${prefix}.lineage.`)) {
    // Anything else under the prefix would land in <PREFIX>_EVENTS as a message no reader can decode.
    const reserved = [`${prefix}.`, `${prefix}_timer.`, `${prefix}_job.`].find((start) =>
      natsSubject.startsWith(start),
    );
    if (reserved) {
      problems.push(
        `OPENLINEAGE_NATS_SUBJECT=${JSON.stringify(natsSubject)}: subjects under ${reserved} are reserved; use ${prefix}.lineage.{slug} or a subject outside the prefix`,
      );
    }
  }
  return Object.freeze({
    url,
    endpoint: String(raw.OPENLINEAGE_ENDPOINT),
    apiKey: String(raw.OPENLINEAGE_API_KEY) || null,
    jobNamespace: String(raw.OPENLINEAGE_NAMESPACE),
    datasetNamespace: String(raw.OPENLINEAGE_DATASET_NAMESPACE),
    transports,
    natsSubject,
    timeoutMs: Number(raw.OPENLINEAGE_TIMEOUT_MS),
  });
}
