import { CoalescedReads } from './coalesced-reads.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));
/** Two turns: a batch's end is seen in a microtask, and the next batch goes out in the turn after it. */
const turns = async () => {
  await turn();
  await turn();
};

/** A `readMany` that records its batches and answers when told to. */
function recordingReads() {
  const batches: number[][] = [];
  const answers: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const readMany = (inputs: readonly number[]) => {
    batches.push([...inputs]);
    return new Promise<number[]>((resolve, reject) =>
      answers.push({ resolve: () => resolve(inputs.map((n) => n * 10)), reject }),
    );
  };
  return { batches, answers, readMany };
}

describe('CoalescedReads', () => {
  it('sends the reads asked for in one turn as one batch and answers each its own output', async () => {
    const { batches, answers, readMany } = recordingReads();
    const reads = new CoalescedReads(readMany, { maxBatch: 10, maxInFlight: 2 });
    const outputs = Promise.all([1, 2, 3].map((n) => reads.read(n)));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    answers[0]!.resolve();
    expect(await outputs).toEqual([10, 20, 30]);
  });

  it('holds reads while maxInFlight batches run and sends them together when one ends', async () => {
    const { batches, answers, readMany } = recordingReads();
    const reads = new CoalescedReads(readMany, { maxBatch: 10, maxInFlight: 1 });
    const first = reads.read(1);
    await turn();
    const later = [2, 3, 4].map((n) => reads.read(n));
    await turn();
    expect(batches).toEqual([[1]]);
    expect(reads.waiting).toBe(3);
    answers[0]!.resolve();
    expect(await first).toBe(10);
    await turns();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    answers[1]!.resolve();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('splits what waits into batches of maxBatch', async () => {
    const { batches, answers, readMany } = recordingReads();
    const reads = new CoalescedReads(readMany, { maxBatch: 2, maxInFlight: 3 });
    const outputs = Promise.all([1, 2, 3, 4, 5].map((n) => reads.read(n)));
    await turn();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    for (const answer of answers) answer.resolve();
    expect(await outputs).toEqual([10, 20, 30, 40, 50]);
  });

  it('fails every read of a failed batch with its error, and later reads still go out', async () => {
    const { batches, answers, readMany } = recordingReads();
    const reads = new CoalescedReads(readMany, { maxBatch: 10, maxInFlight: 1 });
    const failing = Promise.allSettled([1, 2].map((n) => reads.read(n)));
    await turn();
    answers[0]!.reject(new Error('connection lost'));
    expect((await failing).map((outcome) => outcome.status === 'rejected' && String(outcome.reason))).toEqual([
      'Error: connection lost',
      'Error: connection lost',
    ]);
    const next = reads.read(3);
    await turn();
    answers[1]!.resolve();
    expect(await next).toBe(30);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('fails the batch when readMany answers a different number of outputs', async () => {
    const reads = new CoalescedReads(async (inputs: readonly number[]) => inputs.slice(1), {
      maxBatch: 10,
      maxInFlight: 1,
    });
    const outcomes = await Promise.allSettled([1, 2].map((n) => reads.read(n)));
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && String(outcome.reason))).toEqual([
      'Error: a batch of 2 reads answered 1 results',
      'Error: a batch of 2 reads answered 1 results',
    ]);
  });
});
