import { isIP } from 'node:net';
import type { DatabaseTls, NatsSecurity } from './app-config.js';

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
};

/**
 * NATS credentials (one method: user/password, token, nkey seed or creds file) and TLS files. Files are read when
 * connecting; here only the combinations are checked.
 */
export function parseNatsSecurity(env: Env, problems: string[]): NatsSecurity {
  const user = value(env, 'NATS_USER');
  const password = value(env, 'NATS_PASSWORD');
  const token = value(env, 'NATS_TOKEN');
  const nkeySeed = value(env, 'NATS_NKEY_SEED');
  const credsFile = value(env, 'NATS_CREDS_FILE');
  const methods = [user !== undefined || password !== undefined, token, nkeySeed, credsFile].filter(Boolean);
  if (methods.length > 1)
    problems.push(
      'NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED and NATS_CREDS_FILE are alternatives: set only one',
    );
  if ((user === undefined) !== (password === undefined))
    problems.push('NATS_USER and NATS_PASSWORD must be set together');
  if (nkeySeed !== undefined && !/^SU[A-Z2-7]{56}$/.test(nkeySeed))
    problems.push('NATS_NKEY_SEED: must be a user nkey seed ("SU" followed by 56 base32 characters)');
  const tls = {
    caFile: value(env, 'NATS_TLS_CA_FILE'),
    certFile: value(env, 'NATS_TLS_CERT_FILE'),
    keyFile: value(env, 'NATS_TLS_KEY_FILE'),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    problems.push('NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE must be set together');
  const anyTls = Object.values(tls).some((file) => file !== undefined);
  return Object.freeze({
    ...(user !== undefined && password !== undefined ? { user, password } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(nkeySeed !== undefined ? { nkeySeed } : {}),
    ...(credsFile !== undefined ? { credsFile } : {}),
    ...(anyTls ? { tls: Object.freeze(Object.fromEntries(Object.entries(tls).filter(([, f]) => f))) } : {}),
  });
}

const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/** Postgres TLS: `DATABASE_SSL_MODE` and the CA / client certificate files (read when connecting). */
export function parseDatabaseTls(env: Env, databaseUrl: string, problems: string[]): DatabaseTls {
  const mode = (value(env, 'DATABASE_SSL_MODE') ?? 'disable') as DatabaseTls['mode'];
  if (!SSL_MODES.includes(mode)) problems.push(`DATABASE_SSL_MODE: must be one of ${SSL_MODES.join(', ')}`);
  const caFile = value(env, 'DATABASE_SSL_CA_FILE');
  const certFile = value(env, 'DATABASE_SSL_CERT_FILE');
  const keyFile = value(env, 'DATABASE_SSL_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined))
    problems.push('DATABASE_SSL_CERT_FILE and DATABASE_SSL_KEY_FILE must be set together');
  if ((caFile || certFile) && mode === 'disable')
    problems.push(
      'DATABASE_SSL_CA_FILE/DATABASE_SSL_CERT_FILE need DATABASE_SSL_MODE require, verify-ca or verify-full',
    );
  // pg lets URL parameters override the ssl options given beside them: keep TLS in one place.
  if (/[?&](sslmode|sslcert|sslkey|sslrootcert)=/.test(databaseUrl) && mode !== 'disable')
    problems.push('DATABASE_URL: remove its ssl* parameters when DATABASE_SSL_MODE is set');
  return Object.freeze({
    mode,
    ...(caFile ? { caFile } : {}),
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
  });
}

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/;

/** `APPHUB_SERVICE_URL_ALLOWLIST`: host names (`api.internal`, `*.svc.local`), addresses and CIDRs. */
export function parseServiceUrlAllowlist(text: string, problems: string[]): readonly string[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    if (extra === undefined && prefix !== undefined) {
      const bits = isIP(address!) === 4 ? 32 : isIP(address!) === 6 ? 128 : 0;
      if (bits > 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits) continue;
    } else if (extra === undefined && (isIP(entry) !== 0 || HOST.test(entry))) continue;
    problems.push(`APPHUB_SERVICE_URL_ALLOWLIST: "${entry}" is not a host name, an IP address or a CIDR`);
  }
  return Object.freeze(entries);
}
