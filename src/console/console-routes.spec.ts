import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { registerConsole } from './console-routes.js';

/** A fake build: index.html, a hashed bundle under static/, a public file. */
function fakeBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'console-build-'));
  mkdirSync(path.join(dir, 'static'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(dir, 'static', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

async function appFor(dir: string | null) {
  const app = Fastify();
  await registerConsole(app, dir, pino({ level: 'silent' }));
  await app.ready();
  return app;
}

describe('console routes', () => {
  it('redirects / and /ui to /ui/', async () => {
    const app = await appFor(fakeBuild());
    expect((await app.inject('/')).headers.location).toBe('/ui/');
    const bare = await app.inject('/ui');
    expect([bare.statusCode, bare.headers.location]).toEqual([301, '/ui/']);
    await app.close();
  });

  it('answers every console route with index.html (deep links survive a reload), never cached', async () => {
    const app = await appFor(fakeBuild());
    for (const url of [
      '/ui/',
      '/ui/workflows/retail-sales-insights',
      '/ui/assets/graph',
      '/ui/assets/retail.sales.parquet',
      '/ui/runs/x?tab=1',
    ]) {
      const response = await app.inject(url);
      expect([url, response.statusCode, response.body]).toEqual([url, 200, '<!doctype html><title>console</title>']);
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    await app.close();
  });

  it('serves hashed files for a year, also ones built after start-up, and 404 for one that does not exist', async () => {
    const dir = fakeBuild();
    const app = await appFor(dir);
    const bundle = await app.inject('/ui/static/index-abc123.js');
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect((await app.inject('/ui/favicon.svg')).headers['cache-control']).toBe('no-cache');
    expect((await app.inject('/ui/static/index-old.js')).statusCode).toBe(404);
    expect((await app.inject('/ui/static/..%2F..%2Fetc%2Fpasswd')).statusCode).not.toBe(200);
    writeFileSync(path.join(dir, 'static', 'index-new456.js'), 'console.log(2)');
    const rebuilt = await app.inject('/ui/static/index-new456.js');
    expect([rebuilt.statusCode, rebuilt.body]).toEqual([200, 'console.log(2)']);
    await app.close();
  });

  it('explains how to build the console when web/dist is missing', async () => {
    const app = await appFor(null);
    const response = await app.inject('/ui/workflows/x');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await app.close();
  });
});
