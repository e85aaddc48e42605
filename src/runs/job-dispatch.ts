/** The internal job slug that runs `service` steps (a user job slug can never start with `_`). */
export const SERVICE_JOB_SLUG = '_service';

/**
 * The message a worker receives on `<prefix>_job.dispatch.<jobSlug>` (DESIGN §3 Jobs). A worker reports with a
 * NATS request to `<prefix>_job.complete` (or the HTTP complete endpoint), calls `working()` while busy, and acks
 * after the completion was answered.
 */
export interface JobDispatch {
  runId: string;
  workflowSlug: string;
  stepId: string;
  attempt: number;
  jobSlug: string | null;
  serviceUrl: string | null;
  parameters: Record<string, unknown>;
  partitionKey: string | null;
  timeoutMs: number | null;
}
