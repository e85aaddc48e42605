import { DEFAULT_KEY_FORMATS, compileKeyFormat, formatKey, formatOffset, parseKey } from './key-format.js';
import type { KeyFormat } from './key-format.js';

const compiled = (pattern: string, granularity: Parameters<typeof compileKeyFormat>[1]): KeyFormat => {
  const result = compileKeyFormat(pattern, granularity);
  if (!result.ok) throw new Error(result.message);
  return result.format;
};
const wall = { year: 2024, month: 1, day: 5, hour: 13, minute: 7 };

describe('key formats', () => {
  it('compiles every default format for its granularity', () => {
    for (const [granularity, pattern] of Object.entries(DEFAULT_KEY_FORMATS)) {
      expect(compileKeyFormat(pattern, granularity as keyof typeof DEFAULT_KEY_FORMATS).ok).toBe(true);
    }
  });

  it('renders only the tokens of the format, zero-padded', () => {
    expect(formatKey(compiled('YYYY-MM-DDTHH:mm', 'minute'), wall)).toBe('2024-01-05T13:07');
    expect(formatKey(compiled('MM/YYYY', 'month'), wall)).toBe('01/2024');
    expect(formatKey(compiled('YYYY-MM-DD', 'day'), { ...wall, year: 987 })).toBe('0987-01-05');
  });

  it('appends an offset suffix', () => {
    expect(formatKey(compiled('YYYY-MM-DDTHH', 'hour'), wall, 60)).toBe('2024-01-05T13+01:00');
    expect(formatOffset(-300)).toBe('-05:00');
    expect(formatOffset(345)).toBe('+05:45');
    expect(formatOffset(0)).toBe('+00:00');
  });

  it('parses a key back, missing fields at their minimum', () => {
    expect(parseKey(compiled('YYYY-MM', 'month'), '2024-02')).toEqual({
      wall: { year: 2024, month: 2, day: 1, hour: 0, minute: 0 },
      offsetMinutes: null,
    });
    expect(parseKey(compiled('YYYY-MM-DDTHH', 'hour'), '2024-10-27T02-03:30')?.offsetMinutes).toBe(-210);
  });

  it('treats separators literally (a dot is not a wildcard)', () => {
    const dotted = compiled('YYYY.MM.DD', 'day');
    expect(parseKey(dotted, '2024.01.05')).not.toBeNull();
    expect(parseKey(dotted, '2024x01x05')).toBeNull();
  });

  it('rejects keys of the wrong shape', () => {
    const day = compiled('YYYY-MM-DD', 'day');
    for (const key of ['2024-1-5', '24-01-05', '2024-01-05 ', '2024-01-05T00', '２０２４-01-05']) {
      expect(parseKey(day, key)).toBeNull();
    }
  });
});
