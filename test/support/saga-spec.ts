import type { StoredEvent } from '../../src/events/envelope.js';
import { step } from '../../src/materializer/materializer.saga.js';
import type {
  AutoRunRequest,
  DecisionEvent,
  MaterializerCommand,
  SagaOutput,
} from '../../src/materializer/saga-output.js';
import {
  emptyMaterializerState,
  type MaterializerContext,
  type MaterializerState,
} from '../../src/materializer/saga-state.js';

export const TEST_SAGA_CONTEXT: MaterializerContext = {
  baseBackoffMs: 120_000,
  maxBackoffMs: 1_800_000,
  maxEventBytes: 1024 * 1024,
};

/** What one `when` produced, with shortcuts for assertions. */
export interface SagaResult {
  output: SagaOutput;
  state: MaterializerState;
  decisions: DecisionEvent['data'][];
  runs: AutoRunRequest[];
  timers: Array<Extract<MaterializerCommand, { type: 'ArmTimer' }>>;
}

/**
 * Given/when/then for the materializer saga (STYLE §10): `given` folds history through the same `step` the shell
 * uses; `when` returns what the next event decides; state carries over, so `when` can be chained.
 */
export function givenSaga(history: StoredEvent[], context: MaterializerContext = TEST_SAGA_CONTEXT) {
  const state = emptyMaterializerState();
  for (const event of history) step(event, state, context);
  const spec = {
    state,
    when(event: StoredEvent): SagaResult {
      const output = step(event, state, context);
      return {
        output,
        state,
        decisions: output.events.map((e) => e.data),
        runs: output.commands.flatMap((c) => (c.type === 'RequestAutoRun' ? [c.request] : [])),
        timers: output.commands.flatMap((c) => (c.type === 'ArmTimer' ? [c] : [])),
      };
    },
    /** Feeds several events; returns every run requested along the way. */
    whenAll(events: StoredEvent[]): SagaResult[] {
      return events.map((event) => spec.when(event));
    },
  };
  return spec;
}
