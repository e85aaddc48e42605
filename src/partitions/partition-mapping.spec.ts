import { mapPartitionKey } from './partition-mapping.js';
import type { Partitioning, TimeGranularity, TimeWindowPartitioning } from './partitioning.js';

const tw = (granularity: TimeGranularity, extra: Partial<TimeWindowPartitioning> = {}): TimeWindowPartitioning => ({
  type: 'timeWindow',
  granularity,
  ...extra,
});
const regions: Partitioning = { type: 'static', keys: ['eu', 'us'] };
const devices: Partitioning = { type: 'dynamic' };

const refused = (result: ReturnType<typeof mapPartitionKey>): string => {
  if (result.ok) throw new Error(`expected a refusal, got key ${String(result.key)}`);
  return result.reason;
};

describe('mapPartitionKey', () => {
  describe('identity', () => {
    it.each<[Partitioning, string]>([
      [regions, 'eu'],
      [devices, 'instrument_A'],
      [tw('day'), '2024-01-05'],
      [tw('hour', { timezone: 'Europe/Vienna' }), '2024-10-27T02+01:00'],
      [tw('month', { format: 'YYYY/MM' }), '2024/01'],
    ])('maps %j %p to the same key', (p, key) => {
      expect(mapPartitionKey(p, { ...p }, key)).toEqual({ ok: true, key });
    });

    it('maps a static key another static target declares', () => {
      expect(mapPartitionKey(regions, { type: 'static', keys: ['us', 'apac'] }, 'us')).toEqual({ ok: true, key: 'us' });
    });

    it('refuses a static key the target does not declare', () => {
      expect(refused(mapPartitionKey(regions, { type: 'static', keys: ['apac'] }, 'eu'))).toMatch(
        /partition key "eu" is not one of the declared static keys/,
      );
    });
  });

  describe('finer time windows into coarser ones', () => {
    it.each([
      [tw('hour'), tw('day'), '2024-01-05T13', '2024-01-05'],
      [tw('minute'), tw('hour'), '2024-01-05T13:59', '2024-01-05T13'],
      [tw('minute'), tw('day'), '2024-01-05T23:59', '2024-01-05'],
      [tw('day'), tw('week'), '2024-01-07', '2024-01-01'],
      [tw('day'), tw('month'), '2024-02-29', '2024-02'],
      [tw('week'), tw('month'), '2024-01-08', '2024-01'],
      [tw('day', { format: 'YYYYMMDD' }), tw('day'), '20240105', '2024-01-05'],
    ])('maps %j key into %j', (from, to, key, expected) => {
      expect(mapPartitionKey(from, to, key)).toEqual({ ok: true, key: expected });
    });

    it('respects both time zones', () => {
      const utcHour = tw('hour');
      expect(mapPartitionKey(utcHour, tw('day', { timezone: 'Europe/Vienna' }), '2024-01-05T23')).toEqual({
        ok: true,
        key: '2024-01-06',
      });
      expect(mapPartitionKey(utcHour, tw('day', { timezone: 'America/New_York' }), '2024-01-05T03')).toEqual({
        ok: true,
        key: '2024-01-04',
      });
      expect(mapPartitionKey(utcHour, tw('hour', { timezone: 'Europe/Vienna' }), '2024-10-27T01')).toEqual({
        ok: true,
        key: '2024-10-27T02+01:00',
      });
    });

    it('maps both occurrences of a repeated hour into the long day', () => {
      const hour = tw('hour', { timezone: 'Europe/Vienna' });
      const day = tw('day', { timezone: 'Europe/Vienna' });
      expect(mapPartitionKey(hour, day, '2024-10-27T02')).toEqual({ ok: true, key: '2024-10-27' });
      expect(mapPartitionKey(hour, day, '2024-10-27T02+01:00')).toEqual({ ok: true, key: '2024-10-27' });
    });

    it('refuses a window that straddles two target windows', () => {
      expect(refused(mapPartitionKey(tw('day'), tw('day', { timezone: 'Europe/Vienna' }), '2024-01-05'))).toMatch(
        /upstream window "2024-01-05" \(2024-01-05T00:00:00.000Z to 2024-01-06T00:00:00.000Z\) does not fit inside one day window of Europe\/Vienna/,
      );
      expect(refused(mapPartitionKey(tw('hour'), tw('hour', { timezone: 'Asia/Kolkata' }), '2024-01-05T13'))).toMatch(
        /does not fit/,
      );
      expect(refused(mapPartitionKey(tw('week'), tw('month'), '2024-01-29'))).toMatch(/does not fit/);
    });
  });

  describe('refusals', () => {
    it('refuses coarser into finer windows', () => {
      expect(refused(mapPartitionKey(tw('day'), tw('hour'), '2024-01-05'))).toBe(
        `the target's hour windows are finer than the upstream's day windows, so "2024-01-05" maps to many`,
      );
      expect(refused(mapPartitionKey(tw('hour'), tw('minute'), '2024-01-05T13'))).toMatch(/finer/);
    });

    it('refuses an unpartitioned upstream for a partitioned target', () => {
      expect(refused(mapPartitionKey(null, tw('day'), null))).toBe(
        'the target asset is timeWindow-partitioned but the upstream asset is unpartitioned',
      );
      expect(refused(mapPartitionKey(undefined, regions, 'eu'))).toMatch(/upstream asset is unpartitioned/);
    });

    it('refuses mismatched partitioning types', () => {
      expect(refused(mapPartitionKey(devices, regions, 'eu'))).toBe(
        'a dynamic upstream partition cannot be mapped to a static-partitioned target',
      );
      expect(refused(mapPartitionKey(tw('day'), devices, '2024-01-05'))).toMatch(/timeWindow upstream/);
    });

    it('refuses an upstream key that is missing or invalid for the upstream', () => {
      expect(refused(mapPartitionKey(tw('day'), tw('day'), null))).toMatch(/a partition key is required/);
      expect(refused(mapPartitionKey(tw('day'), tw('month'), '2024-02-31'))).toMatch(
        /^the upstream key cannot be mapped: partition key "2024-02-31" is not a valid day window/,
      );
    });

    it('refuses a key the target rejects', () => {
      expect(refused(mapPartitionKey(devices, devices, 'a\u0001'))).toMatch(/control characters/);
    });
  });

  describe('an unpartitioned target', () => {
    it.each<[Partitioning | null, string | null]>([
      [regions, 'eu'],
      [tw('minute'), '2024-01-05T13:07'],
      [devices, 'x'],
      [null, null],
    ])('gets no key from %j', (from, key) => {
      expect(mapPartitionKey(from, null, key)).toEqual({ ok: true, key: null });
      expect(mapPartitionKey(from, undefined, key)).toEqual({ ok: true, key: null });
    });
  });
});
