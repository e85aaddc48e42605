import { aDefinitionEvent, aRecordedAsset, aRunStory } from './builders/lineage-events.js';
import { aStep, aWorkflow } from './builders/materializer-events.js';
import type { TestPlatform } from './test-platform.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { canonicalJson } from '../../src/lineage/canonical-json.js';
import { decideLineage, type LineageContext } from '../../src/lineage/lineage.mapper.js';
import { emptyLineageState } from '../../src/lineage/lineage.state.js';
import { v7 as uuidv7 } from 'uuid';

export const LINEAGE_TEST_CONTEXT: LineageContext = { jobNamespace: 'apphub', datasetNamespace: 'apphub' };
const ordersSchema = { type: 'object', properties: { orderId: { type: 'string' }, amount: { type: 'number' } } };

/**
 * Appends builder-made domain events to a test platform's stream (each on its own subject, re-prefixed) and keeps
 * them as read back, so a test can compute what the pure mapping makes of them: the bytes every delivery must carry.
 */
export function lineageStream(p: TestPlatform) {
  const appended: StoredEvent[] = [];
  return {
    appended,
    async append(events: StoredEvent[]): Promise<number> {
      let last = 0;
      for (const { seq: _seq, subject, ...envelope } of events) {
        const prefixed = subject.replace(/^apphub\./, `${p.nats.subjects.prefix}.`);
        last = (await p.store.append(prefixed, [envelope])).lastSeq;
        appended.push({ ...envelope, seq: last, subject: prefixed });
      }
      return last;
    },
    /** Expected canonical bodies of every appended event with a sequence in `[fromSeq, toSeq]`. */
    expectedBodies(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): string[] {
      const state = emptyLineageState();
      return appended.flatMap((event) => {
        const emitted = decideLineage(state, event, LINEAGE_TEST_CONTEXT);
        return event.seq >= fromSeq && event.seq <= toSeq ? emitted.map(canonicalJson) : [];
      });
    },
  };
}

/** The producer of `raw.orders` (with a schema), for the runs below to consume. */
export const ingestDefinition = () =>
  aDefinitionEvent(
    aWorkflow('ingest', [aStep('fetch', { produces: [{ assetId: 'raw.orders', schema: ordersSchema }] })]),
  );

/** The events of one complete run of `report` (load consumes raw.orders, produces sales.daily). */
export function aCompleteRun(slug = 'report'): StoredEvent[] {
  const story = aRunStory({
    slug,
    runId: uuidv7(),
    steps: [aStep('load', { consumes: ['raw.orders'], produces: [{ assetId: 'sales.daily' }] })],
  });
  return [
    story.requested(),
    story.started(),
    story.dispatched('load'),
    story.succeeded('load', [aRecordedAsset('sales.daily')]),
    story.runSucceeded(),
  ];
}
