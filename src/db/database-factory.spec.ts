import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropsSession, sslOptions } from './database-factory.js';

describe('sessions dropped after a server error', () => {
  const withCode = (code: string) => Object.assign(new pg.DatabaseError('x', 1, 'error'), { code });

  it('drops a session on a server that is no longer the primary, or one the server ended', () => {
    expect(dropsSession(withCode('25006'))).toBe(true);
    expect(dropsSession(withCode('25P03'))).toBe(true);
  });

  it('keeps the session after an error of the statement itself', () => {
    expect(dropsSession(withCode('23505'))).toBe(false);
    expect(dropsSession(withCode('57014'))).toBe(false);
    expect(dropsSession(new Error('25006'))).toBe(false);
  });
});

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
