/**
 * Calls `listener` once when this process's parent goes away (the process is re-parented: `process.ppid`
 * changes). Used when `npm start` / `npm run dev` launched the service: a `kill -9` of npm leaves no signal to
 * forward, so the service notices on its own instead of serving on, orphaned. Checked every `everyMs`; the timer
 * does not keep the process alive.
 */
export function onParentGone(listener: () => void, everyMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    listener();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
