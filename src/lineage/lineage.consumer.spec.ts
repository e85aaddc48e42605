import { pino } from 'pino';
import { canonicalJson } from './canonical-json.js';
import { aCompleteRun, ingestDefinition, LINEAGE_TEST_CONTEXT } from '../../test/support/lineage-stream.js';
import type { StoredEvent } from '../events/envelope.js';
import { LineageProjection } from './lineage.consumer.js';
import { decideLineage } from './lineage.mapper.js';
import { emptyLineageState } from './lineage.state.js';
import type { LineageTransport } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

/** A transport that keeps what it is handed (the consumer's own logic is what is under test). */
function recordingTransport() {
  const delivered: string[] = [];
  const transport: LineageTransport = {
    name: 'recording',
    deliver: async (events: readonly EmittedLineageEvent[]) => {
      delivered.push(...events.map((event) => event.body));
      return [];
    },
  };
  return { delivered, transport };
}

describe('LineageProjection.prepare', () => {
  const valid = [ingestDefinition(), ...aCompleteRun('report')];
  const expected = () => {
    const state = emptyLineageState();
    return valid.flatMap((event) => decideLineage(state, event, LINEAGE_TEST_CONTEXT).map(canonicalJson));
  };
  const emitter = (transport: LineageTransport) =>
    new LineageProjection({
      transports: [transport],
      context: LINEAGE_TEST_CONTEXT,
      log: pino({ level: 'silent' }),
      replay: { fromSeq: 1, toSeq: Number.MAX_SAFE_INTEGER },
    });

  it('maps and delivers a batch before any transaction, handing the result to handle', async () => {
    const { delivered, transport } = recordingTransport();
    const batch = await emitter(transport).prepare(valid, undefined as never);
    expect(delivered).toEqual(expected());
    expect(batch).toMatchObject({ poison: [], rejected: [], writtenIn: null });
    expect(batch!.emitted.map((event) => event.body)).toEqual(expected());
  });

  it('sets aside an event the mapping fails on and delivers the rest of the batch', async () => {
    const [requested, ...rest] = aCompleteRun('audit');
    const broken: StoredEvent = { ...requested!, data: { ...(requested!.data as object), steps: null } };
    const { delivered, transport } = recordingTransport();
    const batch = await emitter(transport).prepare([...valid, broken, ...rest], undefined as never);
    expect(batch!.poison).toEqual([{ event: broken, error: expect.any(TypeError) }]);
    expect(delivered).toEqual(expected());
    expect(batch!.state.runs.size).toBe(0);
  });

  it('returns nothing (and delivers nothing) for a batch without lineage input', async () => {
    const { delivered, transport } = recordingTransport();
    const other = { ...valid[0]!, type: 'asset.produced' };
    expect(await emitter(transport).prepare([other], undefined as never)).toBeNull();
    expect(delivered).toEqual([]);
  });
});
