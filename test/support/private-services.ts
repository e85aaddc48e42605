import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './service-process.js';
import { eventually } from './waiting.js';

/** A nats-server of the test's own (so it can be killed), keeping its JetStream store across restarts. */
export class PrivateNats {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'apphub-drill-nats-')));
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    this.child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: 'ignore',
    });
    await eventually(
      () => fetchable(this.port),
      (up) => up,
      20_000,
      50,
    );
  }

  /** `kill -9`: no flush, no goodbye. */
  async killHard(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.killHard();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** True once something accepts TCP connections on the port. */
async function fetchable(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().pop();
  return version ? join(root, version, 'bin') : null;
})();

/** Whether this machine can run a Postgres cluster of the test's own (Debian packages, user `postgres`). */
export const canRunPrivatePostgres = PG_BIN !== null && process.getuid?.() === 0;

/**
 * A Postgres cluster of the test's own (initdb as user `postgres` on a free port), so a drill can stop it
 * (`pg_ctl stop -m immediate`, a crash) and start it again.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly settings: Readonly<Record<string, string>> = {},
  ) {}

  /** `settings`: extra server settings (`-c name=value`), e.g. `ssl`. */
  static async start(settings: Readonly<Record<string, string>> = {}): Promise<PrivatePostgres> {
    if (!PG_BIN) throw new Error('no Postgres binaries under /usr/lib/postgresql');
    const dataDir = mkdtempSync(join(tmpdir(), 'apphub-drill-pg-'));
    chmodSync(dataDir, 0o700);
    execFileSync('chown', ['postgres:postgres', dataDir]);
    asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const cluster = new PrivatePostgres(await freePort(), dataDir, settings);
    await cluster.startServer();
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async startServer(): Promise<void> {
    asPostgres('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dataDir, 'server.log'),
      '-o',
      [
        `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        ...Object.entries(this.settings).map(([name, value]) => `-c ${name}=${value}`),
      ].join(' '),
      '-w',
      'start',
    ]);
    await eventually(
      async () => {
        const client = new pg.Client({ connectionString: this.url() });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.end();
          return true;
        } catch {
          return false;
        }
      },
      (up) => up,
      20_000,
      100,
    );
  }

  /** `pg_ctl stop -m immediate`: every backend dies at once, like a crash. */
  stopImmediate(): void {
    asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
    return this.url(name);
  }

  dispose(): void {
    try {
      asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
    } catch {
      /* already stopped */
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function asPostgres(tool: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN!, tool), ...args], { stdio: 'ignore' });
}
