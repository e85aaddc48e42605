/**
 * Starts every task at once (so their publishes share socket writes), waits for all of them, then rethrows the
 * first failure: no effect is ever left unobserved, and a quick rejection cannot crash the process while the
 * others are still running.
 */
export async function settleAll(tasks: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  if (tasks.length === 0) return;
  const started = tasks.map((task) => {
    try {
      return task();
    } catch (error) {
      return Promise.reject(error);
    }
  });
  const results = await Promise.allSettled(started);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
