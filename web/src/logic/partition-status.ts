import type { Partition } from '../api/types';
import { formatTime } from './format';

/** The partition's badge: "Stale · since … · note", "Expired · since …", "Stale · older than max age", or "Fresh". */
export function partitionBadge(partition: Partition): { text: string; tone: 'good' | 'warn' | 'bad' | 'muted' } {
  const reasons = partition.staleReasons ?? [];
  if (reasons.includes('manual') && partition.staleMetadata) {
    const parts = ['Stale', `since ${formatTime(partition.staleMetadata.requestedAt)}`];
    if (partition.staleMetadata.note) parts.push(partition.staleMetadata.note);
    else if (partition.staleMetadata.requestedBy) parts.push(`by ${partition.staleMetadata.requestedBy}`);
    return { text: parts.join(' · '), tone: 'bad' };
  }
  if (reasons.includes('expired') || partition.expiredAt) {
    return { text: `Expired · since ${formatTime(partition.expiredAt)}`, tone: 'bad' };
  }
  if (reasons.includes('max-age') || partition.isStale) return { text: 'Stale · older than max age', tone: 'warn' };
  if (!partition.latest) return { text: 'Not materialized', tone: 'muted' };
  return { text: 'Fresh', tone: 'good' };
}

/** True when an operator's stale mark can be cleared. */
export function hasManualMark(partition: Partition): boolean {
  return (partition.staleReasons ?? []).includes('manual');
}
