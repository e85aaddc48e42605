import type { RunState } from './run-state.js';
import { newerRun } from './run-command.service.js';

const at = (lastSeq: number) => ({ lastSeq, status: `s${lastSeq}` }) as unknown as RunState;

describe('newerRun (GET /workflow-runs/:id answers the newer of the cache and the read model)', () => {
  it('takes the read model when this process cached an older state (a run it requested, run elsewhere)', () => {
    expect(newerRun(at(3), at(9))).toEqual(at(9));
  });
  it('takes the cache when it is ahead of the read model (this process just wrote)', () => {
    expect(newerRun(at(9), at(3))).toEqual(at(9));
  });
  it('takes whichever exists', () => {
    expect(newerRun(undefined, at(2))).toEqual(at(2));
    expect(newerRun(at(2), null)).toEqual(at(2));
    expect(newerRun(undefined, null)).toBeNull();
  });
});
