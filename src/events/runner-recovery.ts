import type { Logger } from 'pino';
import { forgetImpossibleFence, loadCheckpoint } from './consumer-store/index.js';
import type { Lease } from './lease.js';
import type { RunnerOptions, StreamConsumer } from './stream-consumer.js';

/**
 * The last committed state of a consumer: its checkpoint (a process manager hydrated from the same snapshot). A
 * holder of the lease also forgets a stored lease revision the leases bucket never issued (the bucket was deleted
 * and created again), which would otherwise refuse every write.
 */
export async function recoverCheckpoint(
  handler: StreamConsumer,
  options: RunnerOptions,
  lease: Lease | null,
  log: Logger,
): Promise<number> {
  const { db } = options;
  const checkpoint = await loadCheckpoint(
    db,
    handler.name,
    options.prepareTransaction,
    handler.kind === 'process-manager' ? (snapshot) => handler.hydrate(snapshot, db) : undefined,
  );
  if (lease?.isHeld && (await forgetImpossibleFence(db, handler.name, await lease.bucketRevision())))
    log.warn('the stored lease revision predates the leases bucket (recreated): forgotten');
  return checkpoint;
}
