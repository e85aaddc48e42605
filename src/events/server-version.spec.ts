import { MisconfigurationError } from '../config/misconfiguration.js';
import { checkServerVersion, parseServerVersion, serverVersionProblem } from './server-version.js';

describe('nats-server version rule', () => {
  it('reads major.minor.patch with or without a v and a suffix', () => {
    expect(parseServerVersion('2.9.10')).toEqual([2, 9, 10]);
    expect(parseServerVersion('v2.10.4-beta.1')).toEqual([2, 10, 4]);
    expect(parseServerVersion('nightly')).toBeNull();
  });

  it('accepts any version with one replica', () => {
    expect(serverVersionProblem('2.9.10', 1)).toBeNull();
    expect(serverVersionProblem('', 1)).toBeNull();
  });

  it.each(['2.9.20', '2.9.21', '2.10.0', 'v2.10.22', '3.0.0'])('accepts %s with replicas', (version) => {
    expect(serverVersionProblem(version, 3)).toBeNull();
  });

  it.each(['2.9.10', '2.9.19', '2.8.4', '1.4.1', 'nightly', ''])('refuses %s with replicas', (version) => {
    const problem = serverVersionProblem(version, 3);
    expect(problem).toContain('2.9.20');
    expect(problem).toContain('APPHUB_ALLOW_UNSAFE_NATS_VERSION=true');
  });

  it('throws a misconfiguration naming the replicas setting, unless told to start anyway', () => {
    expect(() => checkServerVersion('2.9.10', 3, false)).toThrow(MisconfigurationError);
    expect(() => checkServerVersion('2.9.10', 3, false)).toThrow(/^APPHUB_STREAM_REPLICAS: nats-server 2\.9\.10/);
    expect(checkServerVersion('2.9.10', 3, true)).toContain('issue 4320');
    expect(checkServerVersion('2.10.4', 3, false)).toBeNull();
  });
});
