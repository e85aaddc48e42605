import { describe, expect, it } from 'vitest';
import { deliveryState, lastFailure } from './webhook-deliveries';

const delivery = (status: 'pending' | 'delivered' | 'dead', attempts: number, lastError: string | null = null) => ({
  status,
  attempts,
  lastStatus: lastError ? 500 : null,
  lastError,
});

describe('webhook delivery states', () => {
  it('tells delivered, pending, retrying and dead apart', () => {
    expect(deliveryState(delivery('delivered', 3))).toEqual({ label: 'delivered', tone: 'good' });
    expect(deliveryState(delivery('pending', 0))).toEqual({ label: 'pending', tone: 'info' });
    expect(deliveryState(delivery('pending', 2, 'answered 500'))).toEqual({
      label: 'retrying (2 failed)',
      tone: 'warn',
    });
    expect(deliveryState(delivery('dead', 12, 'answered 500'))).toEqual({ label: 'dead', tone: 'bad' });
  });

  it('shows the last failure only while it matters', () => {
    expect(lastFailure(delivery('pending', 2, 'answered 500'))).toBe('answered 500');
    expect(lastFailure(delivery('delivered', 2, 'answered 500'))).toBeNull();
    expect(lastFailure(delivery('pending', 0))).toBeNull();
  });
});
