import { validatePartitionKey } from './partition-key.js';
import type { Partitioning } from './partitioning.js';

const regions: Partitioning = { type: 'static', keys: ['eu', 'us-east', 'EU'] };
const daily: Partitioning = { type: 'timeWindow', granularity: 'day' };
const dynamic: Partitioning = { type: 'dynamic', maxKeys: 1000 };

describe('validatePartitionKey', () => {
  describe('an unpartitioned asset', () => {
    it.each([null, undefined])('keeps no key as null (%p)', (key) => {
      expect(validatePartitionKey(null, key)).toEqual({ ok: true, key: null });
      expect(validatePartitionKey(undefined, key)).toEqual({ ok: true, key: null });
    });

    it('trims and keeps a given key', () => {
      expect(validatePartitionKey(null, '  anything ')).toEqual({ ok: true, key: 'anything' });
    });
  });

  describe('a partitioned asset', () => {
    it.each([null, undefined, '', '   '])('requires a key (%p)', (key) => {
      for (const p of [regions, daily, dynamic]) {
        expect(validatePartitionKey(p, key)).toEqual({
          ok: false,
          code: 'partition_key_required',
          reason: 'a partition key is required for this asset',
        });
      }
    });

    it('trims the key before checking it', () => {
      expect(validatePartitionKey(daily, ' 2024-01-05\n')).toEqual({ ok: true, key: '2024-01-05' });
      expect(validatePartitionKey(regions, ' eu ')).toEqual({ ok: true, key: 'eu' });
    });
  });

  describe('static', () => {
    it('accepts exactly the declared keys, case-sensitively', () => {
      expect(validatePartitionKey(regions, 'us-east')).toEqual({ ok: true, key: 'us-east' });
      expect(validatePartitionKey(regions, 'EU')).toEqual({ ok: true, key: 'EU' });
      expect(validatePartitionKey(regions, 'Eu')).toEqual({
        ok: false,
        code: 'invalid_partition_key',
        reason: 'partition key "Eu" is not one of the declared static keys',
      });
    });
  });

  describe('timeWindow', () => {
    it('explains a date that does not exist', () => {
      expect(validatePartitionKey(daily, '2024-02-31')).toEqual({
        ok: false,
        code: 'invalid_partition_key',
        reason: 'partition key "2024-02-31" is not a valid day window in format YYYY-MM-DD',
      });
    });

    it('accepts a real, aligned key', () => {
      expect(validatePartitionKey(daily, '2024-02-29')).toEqual({ ok: true, key: '2024-02-29' });
    });

    it('explains a week key that is not a Monday', () => {
      const check = validatePartitionKey({ type: 'timeWindow', granularity: 'week' }, '2024-01-03');
      expect(check).toMatchObject({ ok: false, code: 'invalid_partition_key' });
      expect(!check.ok && check.reason).toBe(
        'partition key "2024-01-03" is not a valid week window in format YYYY-MM-DD: 2024-01-03 is a Wednesday; week windows start on Monday',
      );
    });

    it('explains a local time the clocks skip', () => {
      const check = validatePartitionKey(
        { type: 'timeWindow', granularity: 'hour', timezone: 'Europe/Vienna' },
        '2024-03-31T02',
      );
      expect(!check.ok && check.reason).toBe(
        'partition key "2024-03-31T02" is not a valid hour window in format YYYY-MM-DDTHH: 2024-03-31T02 does not exist in Europe/Vienna (the clocks skip it)',
      );
    });

    it('explains a wrong offset on a repeated hour', () => {
      const p: Partitioning = { type: 'timeWindow', granularity: 'hour', timezone: 'Europe/Vienna' };
      const first = validatePartitionKey(p, '2024-10-27T02+02:00');
      expect(!first.ok && first.reason).toMatch(/the second 2024-10-27T02 in Europe\/Vienna is at offset \+01:00/);
      const once = validatePartitionKey(p, '2024-10-27T05+01:00');
      expect(!once.ok && once.reason).toMatch(/occurs only once in Europe\/Vienna, so its key takes no UTC offset/);
      expect(validatePartitionKey(p, '2024-10-27T02+01:00')).toEqual({ ok: true, key: '2024-10-27T02+01:00' });
    });

    it('refuses a key of another granularity', () => {
      const check = validatePartitionKey(daily, '2024-01-05T13');
      expect(check).toMatchObject({ ok: false, code: 'invalid_partition_key' });
    });

    it('says so when the partitioning itself is invalid', () => {
      const check = validatePartitionKey({ type: 'timeWindow', granularity: 'day', timezone: 'Nowhere' }, '2024-01-05');
      expect(!check.ok && check.reason).toMatch(/partitioning is invalid .*Nowhere/);
    });
  });

  describe('dynamic', () => {
    it('accepts any key up to 200 characters', () => {
      expect(validatePartitionKey(dynamic, 'instrument_A')).toEqual({ ok: true, key: 'instrument_A' });
      expect(validatePartitionKey(dynamic, 'ü/é = |'.repeat(20))).toMatchObject({ ok: true });
      expect(validatePartitionKey(dynamic, 'x'.repeat(200))).toMatchObject({ ok: true });
    });

    it('refuses a longer key and control characters', () => {
      const long = validatePartitionKey(dynamic, 'x'.repeat(201));
      expect(!long.ok && long.reason).toMatch(/is longer than 200 characters$/);
      const control = validatePartitionKey(dynamic, 'a\u0007b');
      expect(control).toEqual({
        ok: false,
        code: 'invalid_partition_key',
        reason: 'partition key "a\\u0007b" contains control characters',
      });
    });
  });
});
