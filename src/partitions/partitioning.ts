/** The width of one time window. `week` is the ISO week (Monday 00:00 to the next Monday 00:00). */
export type TimeGranularity = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** All granularities, finest first (the order `mapPartitionKey` uses to decide "finer" and "coarser"). */
export const TIME_GRANULARITIES: readonly TimeGranularity[] = ['minute', 'hour', 'day', 'week', 'month'];

/** An asset split into a fixed, declared set of partitions (keys are exact and case-sensitive). */
export interface StaticPartitioning {
  type: 'static';
  keys: string[];
}

/**
 * An asset split into consecutive time windows of one granularity, computed in `timezone` (IANA, default `UTC`).
 * Keys are the window's local start in `format` (default per granularity, see `DEFAULT_KEY_FORMATS`); the second
 * occurrence of a repeated local time at a daylight-saving fall-back carries its UTC offset (`2024-10-27T02+01:00`).
 * `start` is the first window (a key in the asset's format); `lookbackWindows` bounds enumeration and expiry.
 */
export interface TimeWindowPartitioning {
  type: 'timeWindow';
  granularity: TimeGranularity;
  timezone?: string;
  format?: string;
  lookbackWindows?: number;
  start?: string;
}

/** An asset whose partitions are discovered: any key recorded on a materialization becomes a partition. */
export interface DynamicPartitioning {
  type: 'dynamic';
  maxKeys?: number;
  retentionDays?: number;
}

/** How an asset is partitioned; `null`/`undefined` where it is used means the asset is unpartitioned. */
export type Partitioning = StaticPartitioning | TimeWindowPartitioning | DynamicPartitioning;

/** The zone of a time-window partitioning that declares none. */
export const DEFAULT_TIMEZONE = 'UTC';

/** Windows enumerated or kept in lookback when neither `start` nor `lookbackWindows` is declared. */
export const DEFAULT_LOOKBACK_WINDOWS: Readonly<Record<TimeGranularity, number>> = {
  minute: 60,
  hour: 24,
  day: 14,
  week: 8,
  month: 12,
};

/** The most windows ever enumerated at once, and the largest `lookbackWindows` a definition may declare. */
export const MAX_WINDOWS = 10_000;

/** The longest static or dynamic partition key. */
export const MAX_KEY_LENGTH = 200;

/** A key as it appears in a human-readable reason: JSON-quoted (control characters escaped), long keys cut. */
export function quoteKey(key: string): string {
  const shown = key.length > 80 ? `${key.slice(0, 77)}...` : key;
  return JSON.stringify(shown);
}
