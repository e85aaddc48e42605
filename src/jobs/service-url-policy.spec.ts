import { ServiceUrlDeniedError, ServiceUrlPolicy } from './service-url-policy.js';

const denied = async (policy: ServiceUrlPolicy, url: string) => {
  try {
    await policy.check(url, { resolve: false });
    return null;
  } catch (error) {
    if (!(error instanceof ServiceUrlDeniedError)) throw error;
    return error.message;
  }
};

describe('ServiceUrlPolicy', () => {
  const strict = new ServiceUrlPolicy();

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8080/x',
    'http://localhost:4000/x',
    'http://api.localhost/x',
    'http://10.1.2.3/x',
    'http://172.16.0.1/x',
    'http://192.168.1.1/x',
    'http://100.64.0.1/x',
    'http://0.0.0.0/x',
    'http://[::1]/x',
    'http://[fe80::1]/x',
    'http://[fd00::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:a9fe:a9fe]/x',
  ])('denies %s by default', async (url) => {
    expect(await denied(strict, url)).toMatch(/not a public address|APPHUB_SERVICE_URL_ALLOWLIST/);
  });

  it.each(['http://93.184.216.34/x', 'https://[2606:4700::1111]/x'])('allows the public %s', async (url) => {
    expect(await denied(strict, url)).toBeNull();
  });

  it('refuses other schemes and credentials in the URL', async () => {
    expect(await denied(strict, 'file:///etc/passwd')).toMatch(/file: URLs are not allowed/);
    expect(await denied(strict, 'http://user:secret@93.184.216.34/')).toMatch(/credentials/);
  });

  it('allows what the allow-list names: addresses, CIDRs, hosts and host suffixes', async () => {
    const policy = new ServiceUrlPolicy(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'metrics.internal', '*.svc.local']);
    expect(await denied(policy, 'http://127.0.0.1:9000/')).toBeNull();
    expect(await denied(policy, 'http://127.0.0.2:9000/')).not.toBeNull();
    expect(await denied(policy, 'http://10.200.0.1/')).toBeNull();
    expect(await denied(policy, 'http://[fd00::5]/')).toBeNull();
    expect(await denied(policy, 'http://169.254.169.254/')).not.toBeNull();
    expect(policy.allowsHost('metrics.internal')).toBe(true);
    expect(policy.allowsHost('jobs.svc.local')).toBe(true);
    expect(policy.allowsHost('svc.local.evil.com')).toBe(false);
  });

  it('checks the addresses a host name resolves to', async () => {
    // `localhost` resolves through the system resolver here (no special case in the lookup path).
    expect(strict.addressProblem('127.0.0.1')).toMatch(/not a public address/);
    expect(strict.addressProblem('::ffff:192.168.0.1')).toMatch(/not a public address/);
    expect(strict.addressProblem('8.8.8.8')).toBeNull();
  });
});
