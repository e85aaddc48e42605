/** Shared fixtures for the OpenLineage mapping specs: a context, two schemas, an ingest workflow, a report's steps. */
import { aStep, aWorkflow } from './builders/materializer-events.js';
import { expectValidOpenLineage } from './openlineage-schema.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { decideLineage, type LineageContext } from '../../src/lineage/lineage.mapper.js';
import { emptyLineageState, type LineageState } from '../../src/lineage/lineage.state.js';
import type { OpenLineageRunEvent } from '../../src/lineage/openlineage.types.js';

export const context: LineageContext = { jobNamespace: 'apphub', datasetNamespace: 'apphub' };

/** Given/when/then over the pure mapping; every event any `when` returns is validated against the vendored spec. */
export function given(history: StoredEvent[], ctx: LineageContext = context) {
  const state: LineageState = emptyLineageState();
  for (const event of history) decideLineage(state, event, ctx);
  return {
    state,
    when(event: StoredEvent): OpenLineageRunEvent[] {
      const emitted = decideLineage(state, event, ctx);
      expectValidOpenLineage(emitted);
      return emitted;
    },
  };
}

const ordersSchema = {
  type: 'object',
  properties: {
    orderId: { type: 'string', description: 'Order number' },
    amount: { type: ['number', 'null'] },
  },
};
export const dailySchema = { type: 'object', properties: { day: { type: 'string' }, total: { type: 'number' } } };
export const ingest = aWorkflow('ingest', [
  aStep('fetch', { produces: [{ assetId: 'raw.orders', schema: ordersSchema }] }),
]);
export const reportSteps = [
  aStep('load', { consumes: ['raw.orders'], produces: [{ assetId: 'sales.daily', schema: dailySchema }] }),
];
