import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sslOptions } from './database-factory.js';

describe('Postgres TLS options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apphub-pg-tls-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves TLS to the connection string when disabled', () => {
    expect(sslOptions(undefined)).toBeUndefined();
    expect(sslOptions({ mode: 'disable' })).toBeUndefined();
  });

  it('encrypts without verification for require', () => {
    expect(sslOptions({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it('verifies the chain with the CA file for verify-ca, and the host name too for verify-full', () => {
    const verifyCa = sslOptions({ mode: 'verify-ca', caFile: ca }) as Record<string, unknown>;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect((verifyCa.checkServerIdentity as () => unknown)()).toBeUndefined();
    const verifyFull = sslOptions({ mode: 'verify-full', caFile: ca }) as Record<string, unknown>;
    expect(verifyFull).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(verifyFull.checkServerIdentity).toBeUndefined();
  });
});
