/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { axeViolations, collectConsoleErrors, launchChromium } from '../support/browser.js';
import { ensureConsoleBuilt } from '../support/console-build.js';
import { runDriver } from '../support/run-driver.js';
import { ADMIN_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const workflow = {
  slug: 'console-hooks',
  name: 'Console hooks',
  steps: [{ id: 'make', jobSlug: 'console-ext-hooks', produces: [{ assetId: 'console.hooks.report' }] }],
};

/** Issue 20: a checked, partitioned asset: eu passes both checks, us fails the blocking one and warns on the other. */
const checked = {
  slug: 'console-checks',
  name: 'Console checks',
  steps: [
    {
      id: 'make',
      jobSlug: 'console-ext-checks',
      produces: [
        {
          assetId: 'console.checks.report',
          partitioning: { type: 'static', keys: ['eu', 'us'] },
          checks: [
            { name: 'rows', severity: 'error', blocking: true },
            { name: 'has-total', severity: 'warn', payloadSchema: { type: 'object', required: ['total'] } },
          ],
        },
      ],
    },
  ],
};

describe('console: payload diffs, check results, the Re-run button and the Webhooks page', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let runId: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const url = (path: string) => `${t.baseUrl}${path}`;

  beforeAll(async () => {
    ensureConsoleBuilt();
    receiver = await startWebhookReceiver();
    receiver.setStatus(500);
    t = await startTestApp({
      APPHUB_SERVICE_URL_ALLOWLIST: '127.0.0.1',
      APPHUB_WEBHOOK_RETRY_BASE_MS: '200',
      APPHUB_WEBHOOK_RETRY_MAX_MS: '1000',
      APPHUB_WEBHOOK_MAX_ATTEMPTS: '100',
    });
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
    const webhook = await t.request('POST', '/webhooks', {
      body: { url: receiver.url, assets: ['console.hooks.>'], events: ['produced'] },
      token: WRITER_TOKEN,
    });
    expect(webhook.status).toBe(201);
    receiver.setSecret(webhook.body.data.secret);
    const driver = runDriver(t);
    await driver.run('console-hooks', {}, [
      { stepId: 'make', assets: [{ assetId: 'console.hooks.report', payload: { total: 1, rows: ['a'] } }] },
    ]);
    ({ runId } = await driver.run('console-hooks', {}, [
      { stepId: 'make', assets: [{ assetId: 'console.hooks.report', payload: { total: 2, rows: ['a'] } }] },
    ]));
    await driver.waitForMaterialization('console-hooks', 'console.hooks.report', runId);
    expect((await t.request('POST', '/workflows', { body: checked, token: WRITER_TOKEN })).status).toBe(201);
    const report = (partitionKey: string, payload: object, rows: boolean) => [
      {
        stepId: 'make',
        assets: [{ assetId: 'console.checks.report', partitionKey, payload, checks: [{ name: 'rows', passed: rows }] }],
      },
    ];
    await driver.run('console-checks', { partitionKey: 'eu' }, report('eu', { total: 3 }, true));
    const failing = await driver.run('console-checks', { partitionKey: 'us' }, report('us', {}, false));
    await driver.waitForMaterialization('console-checks', 'console.checks.report', failing.runId);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    consoleErrors = collectConsoleErrors(context);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  it('shows the latest materialization beside the one before it, with the JSON Patch', async () => {
    await page.goto(url('/ui/assets/console.hooks.report'));
    await page
      .getByTestId('history-entry')
      .first()
      .getByRole('button', { name: /^Diff: changes in event/ })
      .click();
    const diff = page.getByTestId('payload-diff');
    await diff.getByText('replace /total → 2').waitFor();
    expect(await diff.getByLabel('Payload before').textContent()).toContain('"total": 1');
    expect(await diff.getByLabel('Payload after').textContent()).toContain('"total": 2');
  });

  it('shows each materialization’s checks as passed / failed / warn badges in words, in history and partitions', async () => {
    await page.goto(url('/ui/assets/console.checks.report'));
    const newest = page.getByTestId('history-entry').first();
    const badges = newest.getByTestId('check-badges');
    await badges.getByText('rows: failed (blocking)').waitFor();
    expect(await badges.getByRole('listitem').allTextContents()).toEqual([
      'rows: failed (blocking)',
      'has-total: warn',
    ]);
    expect(await badges.getAttribute('title')).toBe('2 checks: 1 failed, 1 warn');
    const older = page.getByTestId('history-entry').nth(1).getByTestId('check-badges');
    expect(await older.getByRole('listitem').allTextContents()).toEqual(['has-total: passed', 'rows: passed']);
    expect(await page.getByRole('columnheader', { name: 'Checks' }).count()).toBe(2);

    const partitions = page.getByRole('region', { name: 'Partitions table' });
    const us = partitions.locator('tr[data-partition="us"]').getByTestId('check-badges');
    await us.getByText('rows: failed (blocking)').waitFor();
    expect(
      await us.locator('[data-verdict]').evaluateAll((items) => items.map((i) => i.getAttribute('data-verdict'))),
    ).toEqual(['failed', 'warn']);
    const eu = partitions.locator('tr[data-partition="eu"]').getByTestId('check-badges');
    expect(await eu.getByRole('listitem').allTextContents()).toEqual(['has-total: passed', 'rows: passed']);
    expect(await axeViolations(page)).toEqual([]);
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
  });

  it('lists the webhooks with their last deliveries and failures, live', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    const panel = page.getByTestId('webhook');
    await panel.getByText(receiver.url).waitFor();
    // Newest first: the later delivery of the asset waits (pending) behind the earlier one, which is retrying.
    await panel.getByTestId('webhook-delivery').filter({ hasText: 'retrying' }).first().waitFor();
    await panel.getByTestId('webhook-delivery').first().getByText('pending').waitFor();
    await panel.getByText('answered 500').first().waitFor();
    receiver.setStatus(204);
    await panel.getByTestId('webhook-delivery').filter({ hasText: 'delivered' }).nth(1).waitFor();
    expect(consoleErrors.filter((error) => !error.includes('401'))).toEqual([]);
  });
});
