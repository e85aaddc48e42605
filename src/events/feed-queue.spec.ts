import { FeedOverflowError, FeedQueue } from './feed-queue.js';

async function drain<T>(queue: FeedQueue<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

describe('FeedQueue', () => {
  it('hands items on in order, waiting for the next one, and ends after close()', async () => {
    const queue = new FeedQueue<number>(10);
    const drained = drain(queue);
    queue.push(1);
    await Promise.resolve();
    queue.push(2);
    queue.push(3);
    queue.close();
    expect(queue.push(4)).toBe(false);
    expect(await drained).toEqual([1, 2, 3]);
  });

  it('fails with FeedOverflowError past its bound instead of growing, dropping what was queued', async () => {
    const queue = new FeedQueue<number>(3);
    expect([queue.push(1), queue.push(2), queue.push(3)]).toEqual([true, true, true]);
    expect(queue.push(4)).toBe(false);
    expect(queue.closed).toBe(true);
    await expect(drain(queue)).rejects.toBeInstanceOf(FeedOverflowError);
  });

  it('keeps its order across many items taken while others arrive (compaction)', async () => {
    const queue = new FeedQueue<number>(5000);
    const drained = drain(queue);
    for (let i = 0; i < 4000; i += 1) {
      queue.push(i);
      if (i % 700 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    queue.close();
    expect(await drained).toEqual(Array.from({ length: 4000 }, (_, i) => i));
  });
});
