/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from '../support/browser.js';
import { ensureConsoleBuilt } from '../support/console-build.js';
import { runDriver } from '../support/run-driver.js';
import { ADMIN_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const workflow = {
  slug: 'console-hooks',
  name: 'Console hooks',
  steps: [{ id: 'make', jobSlug: 'console-ext-hooks', produces: [{ assetId: 'console.hooks.report' }] }],
};

describe('console: payload diffs on the asset page and the Re-run button on the run page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let runId: string;
  const url = (path: string) => `${t.baseUrl}${path}`;

  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await startTestApp();
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
    const driver = runDriver(t);
    await driver.run('console-hooks', {}, [
      { stepId: 'make', assets: [{ assetId: 'console.hooks.report', payload: { total: 1, rows: ['a'] } }] },
    ]);
    ({ runId } = await driver.run('console-hooks', {}, [
      { stepId: 'make', assets: [{ assetId: 'console.hooks.report', payload: { total: 2, rows: ['a'] } }] },
    ]));
    await driver.waitForMaterialization('console-hooks', 'console.hooks.report', runId);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    consoleErrors = collectConsoleErrors(context);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the latest materialization beside the one before it, with the JSON Patch', async () => {
    await page.goto(url('/ui/assets/console.hooks.report'));
    await page
      .getByTestId('history-entry')
      .first()
      .getByRole('button', { name: /^Changes in event/ })
      .click();
    const diff = page.getByTestId('payload-diff');
    await diff.getByText('replace /total → 2').waitFor();
    expect(await diff.getByLabel('Payload before').textContent()).toContain('"total": 1');
    expect(await diff.getByLabel('Payload after').textContent()).toContain('"total": 2');
  });

  it('re-runs a run and opens the new one, linked to the original', async () => {
    await page.goto(url(`/ui/runs/${runId}`));
    await page.getByRole('button', { name: 'Operator token' }).click();
    await page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByRole('button', { name: 'Token set' }).waitFor();
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.waitForURL((current) => current.pathname.startsWith('/ui/runs/') && !current.pathname.endsWith(runId));
    await page.getByText('Re-run of').waitFor();
    const newRunId = new URL(page.url()).pathname.split('/').pop()!;
    const created = await t.request('GET', `/workflow-runs/${newRunId}`, { token: null });
    expect(created.body.data.trigger).toMatchObject({ type: 'rerun', runId });
    expect(consoleErrors).toEqual([]);
  });
});
