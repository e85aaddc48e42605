import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsSecurity } from '../config/app-config.js';

/** Connect options for the configured NATS credentials and TLS files (`NATS_USER`…, `NATS_TLS_*`). */
export function natsSecurityOptions(security: NatsSecurity | undefined): Partial<NodeConnectionOptions> {
  if (!security) return {};
  const options: Partial<NodeConnectionOptions> = {};
  if (security.user !== undefined) Object.assign(options, { user: security.user, pass: security.password });
  if (security.token !== undefined) options.token = security.token;
  if (security.nkeySeed !== undefined)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(security.nkeySeed));
  if (security.credsFile !== undefined)
    options.authenticator = credsAuthenticator(new Uint8Array(readFileSync(security.credsFile)));
  if (security.tls) options.tls = { ...security.tls };
  return options;
}
