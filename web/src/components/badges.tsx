import type { ReactNode } from 'react';
import { FRESHNESS_TEXT, type FreshnessState } from '../logic/policy';

const STATUS_TONE: Record<string, string> = {
  succeeded: 'good',
  running: 'info',
  pending: 'muted',
  waiting: 'warn',
  failed: 'bad',
  canceled: 'muted',
  skipped: 'muted',
  enqueued: 'good',
  coalesced: 'info',
  'deferred-backoff': 'warn',
};

/** A run, step or decision status as a coloured badge with its word (never colour alone). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="badge badge-muted">—</span>;
  return <span className={`badge badge-${STATUS_TONE[status] ?? 'muted'}`}>{status}</span>;
}

export function Chip({ children, tone }: { children: ReactNode; tone?: 'good' | 'warn' | 'bad' | 'info' }) {
  return <span className={`chip${tone ? ` chip-${tone}` : ''}`}>{children}</span>;
}

export function Chips({ items }: { items: string[] }) {
  if (items.length === 0) return null;
  return (
    <span className="chips">
      {items.map((item) => (
        <Chip key={item}>{item}</Chip>
      ))}
    </span>
  );
}

const FRESHNESS_TONE: Record<FreshnessState, 'good' | 'warn' | 'bad' | undefined> = {
  fresh: 'good',
  stale: 'warn',
  expired: 'bad',
  never: undefined,
};

export function FreshnessIndicator({ state }: { state: FreshnessState }) {
  return (
    <span className={`freshness freshness-${state}`} data-freshness={state}>
      <Chip tone={FRESHNESS_TONE[state]}>{FRESHNESS_TEXT[state]}</Chip>
    </span>
  );
}
