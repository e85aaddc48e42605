/** The single table `code → { status, title }` (STYLE §7). Unknown codes are 500s. */
export const PROBLEM_TYPES: Record<string, { status: number; title: string }> = {
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_json: { status: 400, title: 'Malformed JSON body' },
  invalid_definition: { status: 400, title: 'Invalid workflow definition' },
  invalid_parameters: { status: 400, title: 'Parameters do not match the workflow parametersSchema' },
  invalid_query: { status: 400, title: 'Invalid query parameter' },
  invalid_completion: { status: 400, title: 'Invalid step completion' },
  invalid_run_key: { status: 400, title: 'Invalid run key' },
  partition_key_required: { status: 400, title: 'A partition key is required' },
  invalid_partition_key: { status: 400, title: 'Invalid partition key' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  invalid_min_seq: { status: 400, title: 'minSeq is beyond the end of the event stream' },
  invalid_last_event_id: { status: 400, title: 'Last-Event-ID is beyond the event stream' },
  workflow_not_partitioned: { status: 400, title: 'The workflow produces no partitioned asset' },
  invalid_partition_range: { status: 400, title: 'Invalid partition range' },
  too_many_partitions: { status: 400, title: 'Too many partitions for one backfill' },
  invalid_webhook: { status: 400, title: 'Invalid webhook' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Missing scope' },
  workflow_not_found: { status: 404, title: 'Workflow not found' },
  run_not_found: { status: 404, title: 'Workflow run not found' },
  step_not_found: { status: 404, title: 'Step not found' },
  asset_not_found: { status: 404, title: 'Asset not found' },
  materialization_not_found: { status: 404, title: 'Materialization not found' },
  webhook_not_found: { status: 404, title: 'Webhook not found' },
  backfill_not_found: { status: 404, title: 'Backfill not found' },
  route_not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  workflow_exists: { status: 409, title: 'A workflow with this slug already exists' },
  run_key_conflict: { status: 409, title: 'An active run already uses this run key' },
  step_not_dispatched: { status: 409, title: 'The step is not dispatched' },
  stale_attempt: { status: 409, title: 'The attempt is not the current one' },
  run_not_active: { status: 409, title: 'The run is not active' },
  backfill_not_active: { status: 409, title: 'The backfill already completed' },
  backfill_busy: { status: 409, title: 'The backfill kept changing during the cancel; retry' },
  workflow_schema_invalid: { status: 409, title: "The workflow's stored schema cannot be compiled" },
  asset_not_fresh: { status: 412, title: 'The asset is not fresh' },
  version_conflict: { status: 412, title: 'The workflow changed since the given version' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  undeclared_check: { status: 422, title: 'The step result reports a check its asset does not declare' },
  run_request_too_large: { status: 422, title: 'The runs these parameters merge into would be too large to record' },
  uri_too_long: { status: 414, title: 'A path parameter is too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  read_model_lagging: { status: 503, title: 'The read model has not caught up yet' },
  not_ready: { status: 503, title: 'Service not ready' },
  dependency_unavailable: { status: 503, title: 'A dependency (NATS or Postgres) is unavailable; retry shortly' },
  overloaded: { status: 503, title: 'The service is at capacity; retry shortly' },
  event_streams_exhausted: { status: 503, title: 'Too many open event streams; retry shortly' },
  internal_error: { status: 500, title: 'Internal server error' },
};

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

export function problemFor(
  code: string,
  detail: string,
  instance: string,
  extra: Record<string, unknown> = {},
): ProblemDocument {
  const known = PROBLEM_TYPES[code] ?? PROBLEM_TYPES.internal_error!;
  // Extra members never override the standard ones.
  return {
    ...extra,
    type: `https://apphub-assets.dev/problems/${code.replace(/_/g, '-')}`,
    title: known.title,
    status: known.status,
    detail,
    instance,
    code,
  };
}
