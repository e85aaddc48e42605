import type { ConsumerRegistry } from '../projector/consumer-registry.js';

/** The read models the asset endpoints read (projection names = checkpoint names). */
export const READ_MODELS = {
  definitions: 'workflow_definitions',
  runs: 'run_history',
  history: 'asset_history',
  partitions: 'asset_partitions',
  checks: 'asset_checks',
} as const;

/** Read-your-writes: waits (bounded) until every named read model has applied `minSeq` (503 otherwise). */
export async function waitForReadModels(
  consumers: ConsumerRegistry,
  names: readonly string[],
  minSeq: number | undefined,
): Promise<void> {
  await Promise.all(names.map((name) => consumers.waitFor(name, minSeq)));
}
