import type { EventEnvelope, StoredEvent } from '../events/envelope.js';
import type { AppendOptions, AppendResult } from '../events/event-store.js';

/**
 * What a process manager's kernel uses of the event log: `EventStore` on JetStream, an in-memory stream in the
 * specs (`test/support/manager-spec.ts`). A lost expected-sequence race throws `ConcurrencyConflictError`.
 */
export interface EventLog {
  append(subject: string, events: readonly EventEnvelope[], options?: AppendOptions): Promise<AppendResult>;
  lastSequence(): Promise<number>;
  idsAfter(afterSeq: number, filter?: string): Promise<Set<string>>;
  readSubject(subject: string, fromSeq?: number): Promise<StoredEvent[]>;
}
