import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from '../jobs/service-step.js';
import { ServiceUrlDeniedError, type ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { signWebhook } from './webhook-signature.js';

const SEND_TIMEOUT_MS = 10_000;

/** The outcome of one attempt: delivered on a 2xx; anything else is retried (or dead after the bound). */
export interface SendOutcome {
  delivered: boolean;
  status: number | null;
  error: string | null;
}

/**
 * POSTs one message with the Standard Webhooks headers, under the outbound URL policy of service steps (checked
 * on the connection's resolved addresses too), with a timeout; redirects are not followed.
 */
export async function sendWebhook(
  message: { id: string; url: string; secret: string; body: string },
  policy: ServiceUrlPolicy,
  now = Date.now(),
): Promise<SendOutcome> {
  const timestamp = Math.floor(now / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'apphub-assets-webhooks',
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(message.secret, message.id, timestamp, message.body),
  };
  try {
    await policy.check(message.url, { resolve: false });
    const status = await post(new URL(message.url), message.body, headers, policy);
    if (status >= 200 && status < 300) return { delivered: true, status, error: null };
    return { delivered: false, status, error: `answered ${status}` };
  } catch (error) {
    const reason = error instanceof ServiceUrlDeniedError ? 'denied by the URL policy: ' : '';
    return { delivered: false, status: null, error: `${reason}${(error as Error).message}` };
  }
}

function post(url: URL, body: string, headers: Record<string, string>, policy: ServiceUrlPolicy): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        lookup: guardedLookup(policy) as never,
      },
      (response) => {
        response.resume();
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** The send timeout: a claim must outlive it. */
export const WEBHOOK_SEND_TIMEOUT_MS = SEND_TIMEOUT_MS;
