import type { AutoMaterializePolicy, Freshness, Partitioning } from '../api/types';
import { formatDuration } from './format';

/** Chips of an auto-materialize policy: "On upstream update", "Priority 4", "Disabled". */
export function policyChips(policy: AutoMaterializePolicy | null | undefined): string[] {
  if (!policy) return [];
  const chips: string[] = [];
  if (policy.enabled === false) chips.push('Disabled');
  if (policy.onUpstreamUpdate) chips.push('On upstream update');
  if (typeof policy.priority === 'number') chips.push(`Priority ${policy.priority}`);
  if (chips.length === 0) chips.push('On expiry');
  return chips;
}

/** Whether the materializer manages the asset (a policy that is present and not switched off). */
export function isAutoManaged(policy: AutoMaterializePolicy | null | undefined): boolean {
  return !!policy && policy.enabled !== false;
}

/** "Time window (hour) · Europe/Paris · lookback 24", "Static (3 keys)", "Dynamic · max 1000", "Unpartitioned". */
export function partitioningLabel(partitioning: Partitioning | Record<string, unknown> | null | undefined): string {
  if (!partitioning) return 'Unpartitioned';
  const p = partitioning as Record<string, unknown>;
  switch (p.type) {
    case 'static': {
      const count = Array.isArray(p.keys) ? p.keys.length : 0;
      return `Static (${count} ${count === 1 ? 'key' : 'keys'})`;
    }
    case 'timeWindow': {
      const parts = [`Time window (${String(p.granularity)})`];
      if (typeof p.timezone === 'string') parts.push(p.timezone);
      if (typeof p.lookbackWindows === 'number') parts.push(`lookback ${p.lookbackWindows}`);
      return parts.join(' · ');
    }
    case 'dynamic': {
      const parts = ['Dynamic'];
      if (typeof p.maxKeys === 'number') parts.push(`max ${p.maxKeys}`);
      if (typeof p.retentionDays === 'number') parts.push(`retention ${p.retentionDays}d`);
      return parts.join(' · ');
    }
    default:
      return String(p.type ?? 'Partitioned');
  }
}

/** Freshness chips: "TTL 1 h", "Cadence 15 min", "Max age 1 d". */
export function freshnessChips(freshness: Freshness | Record<string, unknown> | null | undefined): string[] {
  if (!freshness) return [];
  const f = freshness as Freshness;
  const chips: string[] = [];
  if (typeof f.ttlMs === 'number') chips.push(`TTL ${formatDuration(f.ttlMs)}`);
  if (typeof f.cadenceMs === 'number') chips.push(`Cadence ${formatDuration(f.cadenceMs)}`);
  if (typeof f.maxAgeMs === 'number') chips.push(`Max age ${formatDuration(f.maxAgeMs)}`);
  return chips;
}

export type FreshnessState = 'fresh' | 'expired' | 'stale' | 'never';

/** Freshness of the newest materialization at `now`: never produced, past its TTL/cadence, past its max age, or fresh. */
export function freshnessState(
  producedAt: string | null | undefined,
  freshness: Freshness | Record<string, unknown> | null | undefined,
  now: number,
): FreshnessState {
  if (!producedAt) return 'never';
  const age = now - Date.parse(producedAt);
  const f = (freshness ?? {}) as Freshness;
  const expiry = f.ttlMs ?? f.cadenceMs;
  if (typeof expiry === 'number' && age >= expiry) return 'expired';
  if (typeof f.maxAgeMs === 'number' && age >= f.maxAgeMs) return 'stale';
  return 'fresh';
}

export const FRESHNESS_TEXT: Record<FreshnessState, string> = {
  fresh: 'Fresh',
  expired: 'Expired',
  stale: 'Stale',
  never: 'Never materialized',
};

/** Where a partition's stored parameters come from (the seed's labels). */
export function parametersSourceLabel(source: string | null | undefined): string {
  if (source === 'workflow-run') return 'Parameters captured from workflow run';
  if (source === 'manual') return 'Manually stored parameters';
  return 'System parameters';
}
