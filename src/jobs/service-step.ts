import type { JobDispatch } from '../runs/job-dispatch.js';
import type { JobOutcome } from './job-handler.js';

const DEFAULT_SERVICE_TIMEOUT_MS = 30_000;

/**
 * Runs a `service` step: POSTs the step's parameters as JSON to `serviceUrl` and takes the JSON response as the
 * result. A timeout, a network error, a non-2xx status or a non-JSON body fails the step with the reason.
 */
export async function callService(job: JobDispatch, signal: AbortSignal): Promise<JobOutcome> {
  const timeoutMs = job.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(job.serviceUrl!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'apphub-run-id': job.runId,
        'apphub-step-id': job.stepId,
        'apphub-attempt': String(job.attempt),
        ...(job.partitionKey ? { 'apphub-partition-key': job.partitionKey } : {}),
      },
      body: JSON.stringify(job.parameters),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    if (timeout.aborted)
      return {
        status: 'failed',
        error: { code: 'service_timeout', message: `POST ${job.serviceUrl} did not answer within ${timeoutMs} ms` },
      };
    return {
      status: 'failed',
      error: { code: 'service_unreachable', message: `POST ${job.serviceUrl} failed: ${(error as Error).message}` },
    };
  }
  const text = await response.text();
  if (!response.ok) {
    return {
      status: 'failed',
      error: {
        code: 'service_error',
        message: `POST ${job.serviceUrl} answered ${response.status}: ${text.slice(0, 500)}`,
      },
    };
  }
  if (text.trim().length === 0) return { status: 'succeeded', result: null };
  try {
    return { status: 'succeeded', result: JSON.parse(text) as unknown };
  } catch {
    return {
      status: 'failed',
      error: {
        code: 'service_invalid_response',
        message: `POST ${job.serviceUrl} answered ${response.status} with a body that is not JSON`,
      },
    };
  }
}
