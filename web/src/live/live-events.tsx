import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { livePosition } from '../api/client';
import { subscribeToken } from '../api/token';
import { invalidationsFor, type LiveEvent } from './invalidations';
import { openLiveConnection, type LiveStatus } from './live-connection';

interface LiveContext {
  status: LiveStatus;
  /** Subscribe to every domain event (the graph page uses it to re-colour a node at once). */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

const Context = createContext<LiveContext>({ status: 'connecting', subscribe: () => () => undefined });

/** How long invalidations are gathered before refetching: a burst of events costs one refetch per view. */
const BATCH_MS = 150;

/**
 * One live connection for the whole console: every domain event invalidates the queries it affects (no polling),
 * and a (re)connection refreshes everything once, since events may have happened while the page loaded.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<(event: LiveEvent) => void>());
  const [tokenVersion, setTokenVersion] = useState(0);

  useEffect(() => subscribeToken(() => setTokenVersion((version) => version + 1)), []);

  useEffect(() => {
    const pending = new Map<string, unknown[]>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      for (const queryKey of pending.values()) void client.invalidateQueries({ queryKey });
      pending.clear();
    };
    const schedule = (queryKeys: unknown[][]) => {
      for (const key of queryKeys) pending.set(JSON.stringify(key), key);
      timer ??= setTimeout(flush, BATCH_MS);
    };
    const stop = openLiveConnection({
      subjects: '>',
      onStatus: setStatus,
      onReady: (lastEventId) => {
        livePosition.seq = Math.max(livePosition.seq, lastEventId);
        // Events may have happened between the page's first reads and this (re)connection: refresh what is shown.
        void client.invalidateQueries();
      },
      onMessage: (message) => {
        let envelope: { type?: string; data?: Record<string, unknown> };
        try {
          envelope = JSON.parse(message.data) as typeof envelope;
        } catch {
          return;
        }
        const event: LiveEvent = {
          seq: Number(message.id),
          type: envelope.type ?? message.event,
          data: envelope.data ?? {},
        };
        if (Number.isFinite(event.seq)) livePosition.seq = Math.max(livePosition.seq, event.seq);
        listeners.current.forEach((listener) => listener(event));
        schedule(invalidationsFor(event));
      },
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [client, tokenVersion]);

  const value = useRef<LiveContext>({
    status,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  value.current = { ...value.current, status };
  return <Context.Provider value={value.current}>{children}</Context.Provider>;
}

export function useLive(): LiveContext {
  return useContext(Context);
}
