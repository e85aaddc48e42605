import { anAssetCheckEvaluated, anAssetProduced } from '../../test/support/builders/asset-events.js';
import { messagesFor, type WebhookSubscription } from './webhook-message.js';

const subscription = (eventKinds: WebhookSubscription['eventKinds']): WebhookSubscription => ({
  id: 'wh-1',
  assetPatterns: ['demo.*'],
  eventKinds,
  fromSeq: 0,
});

describe('webhook messages: check-failed (issue 20)', () => {
  it('delivers a failed check result to a check-failed subscription', () => {
    const failed = anAssetCheckEvaluated({ passed: false, seq: 7 });
    const [message] = messagesFor(failed, [subscription(['check-failed'])]);
    expect(message).toMatchObject({ webhookId: 'wh-1', eventId: failed.id, eventType: 'asset.check.evaluated' });
    expect(JSON.parse(message!.body)).toMatchObject({
      type: 'asset.check.evaluated',
      data: { checkName: 'rows', passed: false, eventSeq: 7 },
    });
  });

  it('delivers no passing result, and nothing to subscriptions of other kinds', () => {
    expect(messagesFor(anAssetCheckEvaluated({ passed: true }), [subscription(['check-failed'])])).toEqual([]);
    expect(messagesFor(anAssetCheckEvaluated({ passed: false }), [subscription(['produced'])])).toEqual([]);
    expect(messagesFor(anAssetProduced(), [subscription(['check-failed'])])).toEqual([]);
  });
});
