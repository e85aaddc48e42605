/** Who asks and when: the shell fills these in (deciders never read a clock). */
interface CommandContext {
  assetId: string;
  /** Raw key from the request: trimmed and validated by the decider. */
  partitionKey?: string | null;
  actor: string;
  /** ISO-8601 UTC instant of the request. */
  now: string;
}

/** `POST /workflows/:slug/assets/:assetId/stale`: mark a partition stale (optionally asking for a rerun). */
export interface MarkStale extends CommandContext {
  type: 'MarkStale';
  note?: string | null;
  /** `?trigger=true`: recorded on the event for the materializer, which requests the rerun. */
  triggerRun: boolean;
}

/** `DELETE /workflows/:slug/assets/:assetId/stale`. */
export interface ClearStale extends CommandContext {
  type: 'ClearStale';
}

/** `PUT /workflows/:slug/assets/:assetId/partition-parameters`: store parameters for auto runs of a partition. */
export interface SetPartitionParameters extends CommandContext {
  type: 'SetPartitionParameters';
  parameters: Record<string, unknown>;
}

/** `DELETE /workflows/:slug/assets/:assetId/partition-parameters`. */
export interface DeletePartitionParameters extends CommandContext {
  type: 'DeletePartitionParameters';
}

export type AssetCommand = MarkStale | ClearStale | SetPartitionParameters | DeletePartitionParameters;
