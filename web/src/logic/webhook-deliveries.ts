/** What the Webhooks page needs of a delivery. */
export interface DeliverySummary {
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** A delivery's badge: delivered, retrying (a pending one that already failed), pending, dead. */
export function deliveryState(delivery: DeliverySummary): { label: string; tone: 'good' | 'warn' | 'bad' | 'info' } {
  if (delivery.status === 'delivered') return { label: 'delivered', tone: 'good' };
  if (delivery.status === 'dead') return { label: 'dead', tone: 'bad' };
  if (delivery.attempts > 0) return { label: `retrying (${delivery.attempts} failed)`, tone: 'warn' };
  return { label: 'pending', tone: 'info' };
}

/** The last failure in words, or null: the receiver's answer or the connection error. */
export function lastFailure(delivery: DeliverySummary): string | null {
  if (delivery.status === 'delivered' || delivery.attempts === 0) return null;
  return delivery.lastError ?? (delivery.lastStatus === null ? 'failed' : `answered ${delivery.lastStatus}`);
}
