import type { Logger } from 'pino';
import type { DeadLetter } from '../events/consumer-store/index.js';
import type { Metrics } from '../observability/metrics.js';
import { LineageDeliveryStalledError, type LineageTransport, type RejectedLineageEvent } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

export interface DeliveryContext {
  transports: readonly LineageTransport[];
  log: Logger;
  metrics?: Metrics;
  signal: AbortSignal;
}

/**
 * Hands a batch's RunEvents to every transport in turn. Resolves with the events refused for good; throws
 * `LineageDeliveryStalledError` (an infrastructure failure: the batch is retried from the checkpoint) while one is
 * unavailable.
 */
export async function deliverLineage(
  context: DeliveryContext,
  emitted: readonly EmittedLineageEvent[],
): Promise<RejectedLineageEvent[]> {
  if (emitted.length === 0) return [];
  const { metrics, log } = context;
  const rejected: RejectedLineageEvent[] = [];
  for (const transport of context.transports) {
    try {
      rejected.push(...(await transport.deliver(emitted, context.signal)));
    } catch (error) {
      metrics?.lineageDeliveryFailures.inc({ transport: transport.name, reason: 'unavailable' });
      metrics?.lineageStalled.set(1);
      log.warn(
        { err: error, transport: transport.name, from: emitted[0]!.seq, to: emitted.at(-1)!.seq },
        'OpenLineage receiver unavailable; the batch is retried from the checkpoint',
      );
      throw error instanceof LineageDeliveryStalledError
        ? error
        : new LineageDeliveryStalledError(transport.name, (error as Error)?.name ?? 'failed', { cause: error });
    }
  }
  metrics?.lineageStalled.set(0);
  for (const { event } of rejected) {
    metrics?.lineageDeliveryFailures.inc({ transport: 'http', reason: 'rejected' });
    log.error({ seq: event.seq, eventType: event.eventType }, 'OpenLineage event refused; dead-lettered');
  }
  return rejected;
}

/** One dead-letter row per stream event: its refused RunEvents as a JSON array, exactly as they were sent. */
export function refusedDeadLetters(consumer: string, rejected: readonly RejectedLineageEvent[]): DeadLetter[] {
  const bySeq = new Map<number, RejectedLineageEvent[]>();
  for (const item of rejected) bySeq.set(item.event.seq, [...(bySeq.get(item.event.seq) ?? []), item]);
  return [...bySeq].map(([seq, items]) => {
    const first = items[0]!.event;
    return {
      consumer,
      seq,
      subject: first.subject,
      eventId: first.sourceEventId,
      eventType: first.sourceType,
      error: new Error(items.map((item) => `${item.event.eventType}: ${item.error}`).join('; ')),
      body: `[${items.map((item) => item.event.body).join(',')}]`,
    };
  });
}
