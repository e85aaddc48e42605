import { accessSync, constants } from 'node:fs';

/**
 * A setting that cannot work however long start-up waits: credentials the server refuses, a certificate that does
 * not verify, a file that is not there. Start-up stops at once with one line naming the setting (an unreachable
 * host, by contrast, is retried). Never transient.
 */
export class MisconfigurationError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${setting}: ${problem}`, options);
    this.name = 'MisconfigurationError';
  }
}

/** Node's and OpenSSL's codes for a peer certificate that does not verify (or a TLS file it cannot use). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error's `code` and its causes' codes, outermost first. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

/** The certificate code of a TLS failure anywhere in the cause chain (by code, never by message), or null. */
export function certificateErrorCode(error: unknown): string | null {
  return (
    errorCodes(error).find(
      (code) => CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_'),
    ) ?? null
  );
}

/** Throws `MisconfigurationError` naming the setting when a configured file cannot be read. */
export function assertReadableFiles(files: Readonly<Record<string, string | undefined>>): void {
  for (const [setting, path] of Object.entries(files)) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unreadable';
      throw new MisconfigurationError(setting, `cannot read ${path} (${code})`, { cause: error });
    }
  }
}
