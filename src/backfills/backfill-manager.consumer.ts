import type { EventStore } from '../events/event-store.js';
import { ManagerKernel } from '../process-manager/manager-kernel.js';
import { backfillManagerDefinition } from './backfill-manager.definition.js';
import { BackfillManagerStore } from './backfill-manager.store.js';

export { BACKFILL_MANAGER } from './backfill-manager.definition.js';

export interface BackfillManagerDeps {
  store: EventStore;
}

/**
 * The backfill process manager (STYLE §6): its definition run by the kernel, with its tables and the event store.
 * While it holds its lease every active backfill lives in memory.
 */
export function createBackfillManager(deps: BackfillManagerDeps) {
  return new ManagerKernel(backfillManagerDefinition(deps.store.subjects), new BackfillManagerStore(), {
    log: deps.store,
  });
}
