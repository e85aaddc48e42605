import { partitionParameters } from './partition-parameters.js';

describe('partitionParameters', () => {
  it('adds the window bounds for a time-window key', () => {
    expect(partitionParameters({ type: 'timeWindow', granularity: 'minute' }, '2025-08-01T12:15')).toEqual({
      partitionKey: '2025-08-01T12:15',
      windowStart: '2025-08-01T12:15:00.000Z',
      windowEnd: '2025-08-01T12:16:00.000Z',
    });
  });

  it('uses the zone of the partitioning', () => {
    expect(
      partitionParameters({ type: 'timeWindow', granularity: 'day', timezone: 'Europe/Vienna' }, '2024-03-31'),
    ).toEqual({
      partitionKey: '2024-03-31',
      windowStart: '2024-03-30T23:00:00.000Z',
      windowEnd: '2024-03-31T22:00:00.000Z',
    });
  });

  it('gives only the key for static, dynamic and invalid time-window keys', () => {
    expect(partitionParameters({ type: 'static', keys: ['eu'] }, 'eu')).toEqual({ partitionKey: 'eu' });
    expect(partitionParameters({ type: 'dynamic' }, 'device-1')).toEqual({ partitionKey: 'device-1' });
    expect(partitionParameters({ type: 'timeWindow', granularity: 'day' }, '2024-02-31')).toEqual({
      partitionKey: '2024-02-31',
    });
  });

  it('gives nothing without a key', () => {
    expect(partitionParameters(null, null)).toEqual({});
    expect(partitionParameters({ type: 'timeWindow', granularity: 'day' }, null)).toEqual({});
  });
});
