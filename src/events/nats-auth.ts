import { readFileSync } from 'node:fs';
import {
  credsAuthenticator,
  errors as natsErrors,
  nkeyAuthenticator,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import type { NatsSecurity } from '../config/app-config.js';
import { assertReadableFiles, certificateErrorCode, MisconfigurationError } from '../config/misconfiguration.js';

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

/** The settings that hold the configured NATS credentials (for problems that name them). */
function credentialSetting(security: NatsSecurity | undefined): string {
  if (security?.user !== undefined) return 'NATS_USER/NATS_PASSWORD';
  if (security?.token !== undefined) return 'NATS_TOKEN';
  if (security?.nkeySeed !== undefined) return 'NATS_NKEY_SEED';
  if (security?.credsFile !== undefined) return 'NATS_CREDS_FILE';
  return 'NATS_USER/NATS_PASSWORD';
}

/** Fails before connecting when a configured NATS file is missing or unreadable (the client only says so in text). */
export function assertNatsFiles(security: NatsSecurity | undefined): void {
  assertReadableFiles({
    NATS_TLS_CA_FILE: security?.tls?.caFile,
    NATS_TLS_CERT_FILE: security?.tls?.certFile,
    NATS_TLS_KEY_FILE: security?.tls?.keyFile,
    NATS_CREDS_FILE: security?.credsFile,
  });
}

/**
 * A connect or set-up failure that waiting cannot fix, as a `MisconfigurationError` naming the setting: refused
 * credentials, a missing permission, a server certificate that does not verify. Anything else (an unreachable
 * server) is returned as it is, to be retried. Classified by the client's error classes and Node's TLS codes.
 */
export function asNatsMisconfiguration(error: unknown, security: NatsSecurity | undefined): unknown {
  if (error instanceof natsErrors.AuthorizationError || error instanceof natsErrors.UserAuthenticationExpiredError) {
    const given = security && Object.keys(security).some((key) => key !== 'tls');
    return new MisconfigurationError(
      credentialSetting(security),
      given ? 'the NATS server refused these credentials' : 'the NATS server requires credentials',
      { cause: error },
    );
  }
  if (error instanceof natsErrors.PermissionViolationError)
    return new MisconfigurationError(
      credentialSetting(security),
      `this NATS user lacks a permission the service needs (${error.message}); see README "NATS permissions"`,
      { cause: error },
    );
  const certificate = certificateErrorCode(error);
  if (certificate !== null) {
    const setting = security?.tls?.caFile ? 'NATS_TLS_CA_FILE' : 'NATS_TLS_CA_FILE (not set)';
    return new MisconfigurationError(setting, `the NATS server's certificate does not verify (${certificate})`, {
      cause: error,
    });
  }
  return error;
}
