import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { JobDispatch } from '../runs/job-dispatch.js';
import type { JobOutcome } from './job-handler.js';
import { ServiceUrlDeniedError, ServiceUrlPolicy } from './service-url-policy.js';

const DEFAULT_SERVICE_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024;

/** What bounds a service call: where it may go and how large an answer may be. */
export interface ServiceCallOptions {
  policy?: ServiceUrlPolicy;
  /** A response body above this fails the step (it would become the step's result). */
  maxResponseBytes?: number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for the connection itself: the addresses actually connected to are the ones checked (no DNS rebinding). */
export function guardedLookup(policy: ServiceUrlPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!policy.allowsHost(hostname)) {
        for (const { address } of addresses) {
          const problem = policy.addressProblem(address);
          if (problem)
            return callback(new ServiceUrlDeniedError(`serviceUrl host "${hostname}" resolves to ${problem}`), []);
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

class ResponseTooLargeError extends Error {}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  options: Required<ServiceCallOptions>,
) {
  return new Promise<{ status: number; location: string | undefined; text: string }>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      { method: 'POST', headers, signal, lookup: guardedLookup(options.policy) as never },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxResponseBytes) {
            response.destroy(new ResponseTooLargeError());
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const failed = (code: string, message: string): JobOutcome => ({ status: 'failed', error: { code, message } });

/**
 * Runs a `service` step: POSTs the step's parameters as JSON to `serviceUrl` and takes the JSON response as the
 * result. The URL must pass the SSRF policy (checked again on the connection's resolved addresses); redirects are
 * not followed. A timeout, a network error, a redirect, a non-2xx status, an oversized or non-JSON body fails the
 * step with the reason.
 */
export async function callService(
  job: JobDispatch,
  signal: AbortSignal,
  callOptions: ServiceCallOptions = {},
): Promise<JobOutcome> {
  const options: Required<ServiceCallOptions> = {
    policy: callOptions.policy ?? new ServiceUrlPolicy(),
    maxResponseBytes: callOptions.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  const target = job.serviceUrl!;
  const timeoutMs = job.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  let answer: { status: number; location: string | undefined; text: string };
  try {
    await options.policy.check(target, { resolve: false });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'apphub-run-id': job.runId,
      'apphub-step-id': job.stepId,
      'apphub-attempt': String(job.attempt),
      ...(job.partitionKey ? { 'apphub-partition-key': job.partitionKey } : {}),
    };
    answer = await post(
      new URL(target),
      JSON.stringify(job.parameters),
      headers,
      AbortSignal.any([signal, timeout]),
      options,
    );
  } catch (error) {
    if (error instanceof ServiceUrlDeniedError) return failed('service_url_denied', error.message);
    if (error instanceof ResponseTooLargeError)
      return failed(
        'service_response_too_large',
        `POST ${target} answered more than ${options.maxResponseBytes} bytes (the limit of a step result)`,
      );
    if (timeout.aborted) return failed('service_timeout', `POST ${target} did not answer within ${timeoutMs} ms`);
    return failed('service_unreachable', `POST ${target} failed: ${(error as Error).message}`);
  }
  return outcomeOf(target, answer);
}

function outcomeOf(target: string, answer: { status: number; location: string | undefined; text: string }): JobOutcome {
  const { status, location, text } = answer;
  if (status >= 300 && status < 400)
    return failed(
      'service_redirect',
      `POST ${target} answered ${status} (redirect to ${location ?? 'nowhere'}); redirects are not followed`,
    );
  if (status < 200 || status >= 300)
    return failed('service_error', `POST ${target} answered ${status}: ${text.slice(0, 500)}`);
  if (text.trim().length === 0) return { status: 'succeeded', result: null };
  try {
    return { status: 'succeeded', result: JSON.parse(text) as unknown };
  } catch {
    return failed('service_invalid_response', `POST ${target} answered ${status} with a body that is not JSON`);
  }
}
