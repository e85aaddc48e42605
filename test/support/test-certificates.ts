import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A private nats-server that requires credentials (user/password, or a token), on a port of its own. */
export function startNats(port: number, dir: string, auth: string): ChildProcess {
  const config = join(dir, 'auth.conf');
  writeFileSync(config, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\n${auth}\n`);
  return spawn('nats-server', ['-c', config], { stdio: 'ignore' });
}

/** A throw-away CA and a server certificate for 127.0.0.1 (openssl). */
export function makeCertificates(dir: string, name = 'ca'): { ca: string; cert: string; key: string } {
  const at = (file: string) => join(dir, file);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at(`${name}.key`),
    '-out',
    at(`${name}.pem`),
    '-days',
    '1',
    '-subj',
    `/CN=apphub-test-${name}`,
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at(`${name}-server.key`),
    '-out',
    at(`${name}-server.csr`),
    '-subj',
    '/CN=127.0.0.1',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    at(`${name}-server.csr`),
    '-CA',
    at(`${name}.pem`),
    '-CAkey',
    at(`${name}.key`),
    '-CAcreateserial',
    '-out',
    at(`${name}-server.pem`),
    '-days',
    '1',
    '-extfile',
    at('san.ext'),
  );
  return { ca: at(`${name}.pem`), cert: at(`${name}-server.pem`), key: at(`${name}-server.key`) };
}
