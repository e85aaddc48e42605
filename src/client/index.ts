/** The package's public client surface: follow asset events from another Node service. */
export { subscribeToAssets, type AssetEvent, type AssetFact, type SubscribeOptions } from './asset-subscriber.js';
export type { AssetExpired, AssetProduced } from '../assets/asset.events.js';
export type { EventEnvelope } from '../events/envelope.js';
export type { JobDispatch } from '../runs/job-dispatch.js';
