import { newWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature.js';

describe('webhook signatures (Standard Webhooks)', () => {
  // The Standard Webhooks specification's test vector.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('signs like the reference implementation', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies a signature within the tolerance and refuses tampering, other keys and old timestamps', () => {
    const signature = signWebhook(secret, id, timestamp, body);
    const now = timestamp * 1000;
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, body, now)).toBe(true);
    expect(
      verifyWebhook(secret, { id, timestamp: String(timestamp), signature: `v1,x v2,y ${signature}` }, body, now),
    ).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, `${body} `, now)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), { id, timestamp: String(timestamp), signature }, body, now)).toBe(false);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, body, now + 301_000)).toBe(false);
  });

  it('makes secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});
