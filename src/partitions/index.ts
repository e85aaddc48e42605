/**
 * Partitions of assets (DESIGN §8): the partitioning vocabulary, key validation, time windows (DST-safe, in the
 * asset's IANA zone), enumeration, lookback, upstream→downstream key mapping, listing order and derived run
 * parameters. Pure: time comes in as an argument.
 */
export {
  DEFAULT_LOOKBACK_WINDOWS,
  DEFAULT_TIMEZONE,
  MAX_KEY_LENGTH,
  MAX_WINDOWS,
  TIME_GRANULARITIES,
  type DynamicPartitioning,
  type Partitioning,
  type StaticPartitioning,
  type TimeGranularity,
  type TimeWindowPartitioning,
} from './partitioning.js';
export { DEFAULT_KEY_FORMATS } from './key-format.js';
export { checkPartitioningSpec } from './partitioning-spec.js';
export type { PartitioningProblem } from './time-window-spec.js';
export { type PartitionKeyCheck, validatePartitionKey } from './partition-key.js';
export { type WindowBounds, keyForInstant, windowForKey } from './window-keys.js';
export { type EnumerateWindowsOptions, enumerateWindowKeys, isWithinLookback } from './window-enumeration.js';
export { type PartitionKeyMapping, mapPartitionKey } from './partition-mapping.js';
export { comparePartitionKeys, sortPartitionKeys } from './partition-order.js';
export { partitionParameters } from './partition-parameters.js';
export { type WindowRange, enumerateWindowRange } from './window-range.js';
