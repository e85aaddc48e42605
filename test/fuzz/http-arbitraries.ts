import fc from 'fast-check';

/** Strings that break naive parsers: odd unicode, controls, huge numbers, wildcards, separators, long runs. */
export const oddString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1',
    '1.5',
    '1e308',
    '-1e308',
    '99999999999999999999',
    'NaN',
    'Infinity',
    'null',
    'true',
    '[]',
    '{}',
    'a:b',
    'a.b',
    '*',
    '>',
    'a..b',
    '../../etc/passwd',
    '%',
    '%zz',
    'Größe 🎉',
    '\u202e\u200b\u0301',
    'x'.repeat(300),
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.bigInt().map(String),
  fc.double().map(String),
);

/** Cursors: real-looking ones with wrong fields, plus garbage. */
export const oddCursor = fc.oneof(
  fc
    .constantFrom(
      '{"seq":99999999999999999999}',
      '{"seq":-1}',
      '{"p":"2024-01-01T00:00:00.000Z","s":1e308}',
      '{"p":"1","s":1}',
      '{"p":"2024-02-31T00:00:00.000Z","s":1}',
      '{"s":1.5,"k":"a"}',
      '{"s":1,"k":"a\\u0000"}',
      '{"a":{"b":1}}',
      '{"__proto__":{"seq":1}}',
      '[]',
      'null',
    )
    .map((json) => Buffer.from(json).toString('base64url')),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url')),
  oddString,
);

/** A JSON value of any shape, with the occasional huge number or odd string. */
export const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1, -0, 2 ** 63) },
);

/** Keys that try prototype pollution, plus ordinary unknown ones. */
export const oddKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'),
  fc.string({ maxLength: 12 }),
);

/** Sets `key` to `value` as an own property (a `__proto__` key stays data, as JSON.parse would make it). */
export function withOwn(target: unknown, key: string, value: unknown): unknown {
  const base = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  Object.defineProperty(base, key, { value, enumerable: true, writable: true, configurable: true });
  return base;
}

/** Raw bodies that are not what a JSON parser expects, or are built to hurt one. */
export const rawBody = fc.constantFrom(
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"parameters":{"__proto__":{"polluted":true}}}',
  '{',
  '[]',
  'null',
  '1e999',
  '"text"',
  '{"a":"\\u0000"}',
  '{"a":"\\ud800"}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
);

/** Percent-encodes a path segment; a lone surrogate becomes bytes that are not UTF-8 (a bad URL). */
export function segment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}
