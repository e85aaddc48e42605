import type { StoredEvent } from './envelope.js';
import { DecodedEvents } from './decoded-events.js';

const event = (seq: number, subject = 'p.e') => ({ seq, subject }) as unknown as StoredEvent;

describe('DecodedEvents', () => {
  it('decodes a sequence once, again when the subject differs, and forgets the older generation', () => {
    const cache = new DecodedEvents(4);
    let decodes = 0;
    const at = (seq: number, subject = 'p.e') =>
      cache.at(seq, subject, () => {
        decodes += 1;
        return event(seq, subject);
      });
    at(1);
    at(1);
    expect(decodes).toBe(1);
    at(1, 'p.other');
    expect(decodes).toBe(2);
    // Generations of two: 1 and 2 fill the newer one, 3 and 4 push them into the older, 5 and 6 drop them.
    for (const seq of [2, 3, 4, 5, 6]) at(seq);
    decodes = 0;
    at(5);
    at(1);
    expect(decodes).toBe(1);
  });
});
