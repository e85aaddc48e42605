import { RecentDefinitions, type LoadedDefinition } from './recent-definitions.js';
import type { WorkflowDefinition } from './workflow-definition.js';

const definition = (seq: number): LoadedDefinition => ({
  workflow: { slug: 'w', name: `v${seq}` } as unknown as WorkflowDefinition,
  seq,
});

/** A log whose reads the test releases one by one, and a clock the test moves. */
function world() {
  let clock = 0;
  let stored: LoadedDefinition | null = definition(1);
  const reads: Array<() => void> = [];
  const recent = new RecentDefinitions(
    () =>
      new Promise((resolve) => {
        const answer = stored;
        reads.push(() => resolve(answer));
      }),
    1000,
    () => clock,
  );
  return {
    recent,
    reads,
    advance: (ms: number) => (clock += ms),
    store: (loaded: LoadedDefinition | null) => (stored = loaded),
    releaseAll: async () => {
      while (reads.length > 0) reads.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('RecentDefinitions', () => {
  it('reuses a definition for maxAgeMs after it was read, then reads it again', async () => {
    const w = world();
    const first = w.recent.get('w');
    await w.releaseAll();
    expect((await first)?.seq).toBe(1);
    w.store(definition(2));
    w.advance(1000);
    expect((await w.recent.get('w'))?.seq).toBe(1);
    expect(w.reads).toHaveLength(0);
    w.advance(1);
    const again = w.recent.get('w');
    expect(w.reads).toHaveLength(1);
    await w.releaseAll();
    expect((await again)?.seq).toBe(2);
  });

  it('shares one read among concurrent callers, but a fresh read is always its own', async () => {
    const w = world();
    const a = w.recent.get('w');
    const b = w.recent.get('w');
    const fresh = w.recent.fresh('w');
    expect(w.reads).toHaveLength(2);
    await w.releaseAll();
    expect([(await a)?.seq, (await b)?.seq, (await fresh)?.seq]).toEqual([1, 1, 1]);
  });

  it('never remembers a workflow that does not exist, so one registered a moment later is found', async () => {
    const w = world();
    w.store(null);
    const missing = w.recent.get('w');
    await w.releaseAll();
    expect(await missing).toBeNull();
    w.store(definition(3));
    const found = w.recent.get('w');
    expect(w.reads).toHaveLength(1);
    await w.releaseAll();
    expect((await found)?.seq).toBe(3);
  });

  it('sees a definition written through this process at once, and a slower older read never replaces it', async () => {
    const w = world();
    const slow = w.recent.fresh('w');
    w.recent.written('w', definition(5));
    await w.releaseAll();
    expect((await slow)?.seq).toBe(1);
    expect((await w.recent.get('w'))?.seq).toBe(5);
    expect(w.reads).toHaveLength(0);
  });
});
