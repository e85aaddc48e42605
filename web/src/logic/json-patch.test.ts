import { describe, expect, it } from 'vitest';
import { describeOperation } from './json-patch';

describe('describeOperation', () => {
  it('names the operation, the pointer and the new value', () => {
    expect(describeOperation({ op: 'replace', path: '/total', value: 2 })).toBe('replace /total → 2');
    expect(describeOperation({ op: 'remove', path: '/rows/1' })).toBe('remove /rows/1');
    expect(describeOperation({ op: 'add', path: '', value: { a: 1 } })).toBe('add (whole payload) → {"a":1}');
    expect(describeOperation({ op: 'move', path: '/b', from: '/a' })).toBe('move /a → /b');
  });

  it('shortens long values', () => {
    const line = describeOperation({ op: 'add', path: '/text', value: 'x'.repeat(200) });
    expect(line.length).toBeLessThan(100);
    expect(line.endsWith('…')).toBe(true);
  });
});
