import { useEffect, useState } from 'react';

/** The current time, re-read every `everyMs` (durations of running runs, "Ready now", freshness). */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
