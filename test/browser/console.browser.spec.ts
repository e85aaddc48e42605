/// <reference lib="dom" />
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, collectConsoleErrors, launchChromium, screenshot } from '../support/browser.js';
import { ensureConsoleBuilt } from '../support/console-build.js';
import { runDriver } from '../support/run-driver.js';
import { ADMIN_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

const regions = { type: 'static', keys: ['north', 'south'] };
/** Jobs without an in-process handler: the test completes their steps over HTTP, so in-flight states last. */
const workflows = [
  {
    slug: 'console-upstream',
    name: 'Console upstream',
    steps: [
      { id: 'load', jobSlug: 'console-ext-load', produces: [{ assetId: 'console.orders', partitioning: regions }] },
    ],
  },
  {
    slug: 'console-downstream',
    name: 'Console downstream',
    description: 'Summarizes orders per region whenever they change.',
    defaultParameters: { threshold: 5 },
    parametersSchema: {
      type: 'object',
      required: ['threshold'],
      properties: { threshold: { type: 'integer', minimum: 1 }, region: { type: 'string' } },
    },
    steps: [
      {
        id: 'summarize',
        jobSlug: 'console-ext-summarize',
        consumes: [{ assetId: 'console.orders' }],
        produces: [
          {
            assetId: 'console.summary',
            partitioning: regions,
            freshness: { ttlMs: 3_600_000 },
            autoMaterialize: { onUpstreamUpdate: true, priority: 3 },
          },
        ],
      },
    ],
  },
  {
    slug: 'console-report',
    name: 'Console report',
    steps: [{ id: 'render', jobSlug: 'console-ext-render', produces: [{ assetId: 'console.report' }] }],
  },
];

describe('operator console in a real Chromium against the real service', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  const url = (path: string) => `${t.baseUrl}${path}`;
  const text = (value: string | RegExp) => page.getByText(value).first().waitFor();

  /** Completes the running step of an external job with one asset. */
  async function complete(runId: string, stepId: string, assetId: string, partitionKey?: string) {
    await driver.waitForStep(runId, stepId);
    const response = await t.request('POST', `/workflow-runs/${runId}/steps/${stepId}/complete`, {
      body: {
        status: 'succeeded',
        result: { assets: [{ assetId, payload: { rows: 42 }, ...(partitionKey ? { partitionKey } : {}) }] },
      },
    });
    expect(response.status).toBe(200);
  }

  /** The auto run in flight for a downstream partition (the materializer's claim). */
  const inFlightRun = async (partitionKey: string) =>
    (
      await eventually(
        () => t.request('GET', '/workflows/console-downstream/auto-materialize', { token: null }),
        (response) =>
          response.body.data.inFlight.some((claim: { partitionKey: string }) => claim.partitionKey === partitionKey),
        15_000,
      )
    ).body.data.inFlight.find((claim: { partitionKey: string }) => claim.partitionKey === partitionKey).runId as string;

  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await startTestApp({
      APPHUB_LOAD_EXAMPLES: 'true',
      APPHUB_EXAMPLES_OUTPUT_DIR: mkdtempSync(path.join(tmpdir(), 'apphub-console-')),
    });
    driver = runDriver(t);
    for (const workflow of workflows) {
      expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
    }
    // South is produced upstream and summarized once, so a manual recompute of it needs no dependency wait.
    await driver.run('console-upstream', { partitionKey: 'south' }, [
      { stepId: 'load', assets: [{ assetId: 'console.orders', payload: { rows: 2 } }] },
    ]);
    await complete(await inFlightRun('south'), 'summarize', 'console.summary', 'south');
    await eventually(
      () => t.request('GET', '/workflows/console-downstream/auto-materialize', { token: null }),
      (response) => response.body.data.inFlight.length === 0,
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    consoleErrors = collectConsoleErrors(context);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('GET / redirects to the console, which lists the workflows', async () => {
    await page.goto(url('/'));
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.getByRole('link', { name: 'Console downstream' }).waitFor();
    await page.getByRole('link', { name: 'Retail sales insights' }).waitFor();
    await screenshot(page, 'console-workflows');
  });

  it('shows the in-flight claim, then the finished run, in the Auto-Materialization Activity panel without a reload', async () => {
    await page.goto(url('/ui/workflows/console-downstream'));
    await page.getByRole('heading', { name: 'Auto-Materialization Activity' }).waitFor();
    await text('No active claims.');
    await page.getByTestId('auto-run').filter({ hasText: 'south' }).waitFor();
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    const upstream = await driver.run('console-upstream', { partitionKey: 'north' }, [
      { stepId: 'load', assets: [{ assetId: 'console.orders', payload: { rows: 1 } }] },
    ]);
    expect(upstream.runId).toBeTruthy();
    const claim = page.getByTestId('in-flight-claim');
    await claim.filter({ hasText: 'console.orders' }).filter({ hasText: 'north' }).waitFor();
    await claim.filter({ hasText: 'upstream-update' }).waitFor();
    await page.getByTestId('auto-run').filter({ hasText: 'running' }).filter({ hasText: 'north' }).waitFor();
    await screenshot(page, 'console-workflow-detail-in-flight');

    const autoRunId = await inFlightRun('north');
    await complete(autoRunId, 'summarize', 'console.summary');
    await text('No active claims.');
    await page.getByTestId('auto-run').filter({ hasText: 'succeeded' }).filter({ hasText: 'north' }).waitFor();
    const card = page.getByTestId('auto-managed-asset').filter({ hasText: 'console.summary' });
    await card.getByText('Fresh', { exact: true }).waitFor();
    await card.getByText('On upstream update').waitFor();
    await card.getByText('Priority 3').waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

    await page.getByRole('combobox', { name: 'Filter by status' }).selectOption('failed');
    await text('No runs match the selected filters.');
    await page.getByRole('combobox', { name: 'Filter by status' }).selectOption('');
    await screenshot(page, 'console-workflow-detail');

    await page.getByRole('link', { name: 'Decisions' }).click();
    const decision = page.getByTestId('decision').filter({ hasText: 'enqueued' }).first();
    await decision.waitFor();
    await decision.getByText(/Chain: console-upstream → console-downstream/).waitFor();
    await decision.getByRole('link', { name: autoRunId.slice(0, 8) }).click();
    await page.getByRole('heading', { name: /Run/ }).first().waitFor();
    await page.getByTestId('run-step').filter({ hasText: 'summarize' }).filter({ hasText: 'succeeded' }).waitFor();
    await page.getByRole('list', { name: 'Trigger chain' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/ui/runs/${autoRunId}`);
    await screenshot(page, 'console-run-detail');
  });

  it('marks a partition stale and clears it; the badge follows', async () => {
    await page.goto(url('/ui/assets/console.summary'));
    await page.getByRole('button', { name: 'Operator token' }).click();
    await page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByRole('button', { name: 'Token set' }).waitFor();

    const north = page.locator('tr[data-partition="north"]');
    await north.getByText('Fresh').waitFor();
    await north.getByRole('button', { name: 'Mark stale north' }).click();
    const dialog = page.getByRole('dialog', { name: 'Mark north stale' });
    await dialog.getByLabel('Note (optional)').fill('bad numbers');
    await dialog.getByRole('button', { name: 'Mark stale' }).click();
    await north.getByText(/^Stale · since .+ · bad numbers$/).waitFor();
    await text('Marked north stale.');
    await screenshot(page, 'console-asset-detail-stale');
    await north.getByRole('button', { name: 'Clear stale north' }).click();
    await north.getByText('Fresh').waitFor();
  });

  it('recomputes a partition with parameters checked against the parametersSchema and shows the new run', async () => {
    await page.goto(url('/ui/assets/console.summary'));
    const history = page.getByTestId('history-entry');
    await history.first().waitFor();
    const before = await history.count();
    await page.locator('tr[data-partition="south"]').getByRole('button', { name: 'Recompute south' }).click();
    const dialog = page.getByRole('dialog', { name: 'Recompute south' });
    const editor = dialog.getByLabel('Run parameters (JSON)');
    await editor.fill('{"threshold": 0}');
    await dialog.getByText('must be >= 1').waitFor();
    expect(await dialog.getByRole('button', { name: 'Recompute' }).isDisabled()).toBe(true);
    await editor.fill('{"threshold": 7, "region": "south"}');
    await dialog.getByText('Valid against the workflow’s parametersSchema.').waitFor();
    await dialog.getByLabel('Save these parameters for future auto-materialized runs').check();
    await dialog.getByRole('button', { name: 'Recompute' }).click();
    const notice = page.getByText(/Recompute of south requested: run/);
    await notice.waitFor();
    const runHref = await notice.getByRole('link').getAttribute('href');
    const runId = runHref!.split('/').pop()!;
    const run = (await t.request('GET', `/workflow-runs/${runId}`, { token: null })).body.data;
    expect(run).toMatchObject({
      partitionKey: 'south',
      triggeredBy: 'assets-ui',
      parameters: { threshold: 7, region: 'south' },
    });
    const south = page.locator('tr[data-partition="south"]');
    await south.getByText('Manually stored parameters').waitFor();

    await complete(runId, 'summarize', 'console.summary', 'south');
    await eventually(
      () => history.count(),
      (count) => count === before + 1,
    );
    await history.filter({ hasText: 'south' }).first().waitFor();
    await south.getByText('Fresh').waitFor();

    await south.getByRole('button', { name: 'Recompute south' }).click();
    await page
      .getByRole('dialog', { name: 'Recompute south' })
      .getByRole('button', { name: 'Load stored parameters' })
      .click();
    expect(JSON.parse(await page.getByLabel('Run parameters (JSON)').inputValue())).toEqual({
      threshold: 7,
      region: 'south',
    });
    await page.getByRole('dialog', { name: 'Recompute south' }).getByRole('button', { name: 'Cancel' }).click();
    await south.getByRole('button', { name: 'Clear stored parameters of south' }).click();
    await south.getByText('Manually stored parameters').waitFor({ state: 'detached' });
    await south.getByRole('button', { name: 'Clear stored parameters of south' }).waitFor({ state: 'detached' });
    await text('Cleared the stored parameters of south.');
    await screenshot(page, 'console-asset-detail');
  });

  it('re-colours the lineage graph on produced and stale events without a reload', async () => {
    await page.goto(url('/ui/assets/graph'));
    const node = page.locator('[data-asset="console.report"]');
    await node.waitFor();
    expect(await node.getAttribute('data-state')).toBe('never');
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const { runId } = await driver.run('console-report', {}, [
      { stepId: 'render', assets: [{ assetId: 'console.report', payload: { pages: 3 } }] },
    ]);
    expect(runId).toBeTruthy();
    await page.locator('[data-asset="console.report"][data-state="fresh"]').waitFor();
    await t.request('POST', '/workflows/console-report/assets/console.report/stale', { body: { note: 'wrong' } });
    await page.locator('[data-asset="console.report"][data-state="stale"]').waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

    await page.getByLabel('Search by asset id').fill('console.sum');
    await page.getByRole('button', { name: 'Find' }).click();
    await text('1 matching asset');
    await page.getByRole('button', { name: 'Fit to view' }).click();
    await screenshot(page, 'console-lineage');
    await page.locator('[data-asset="console.summary"]').getByRole('link').click();
    await page.waitForURL(/\/ui\/assets\/console\.summary$/);
    await page.getByRole('heading', { name: 'Partitions' }).waitFor();
  });

  it('serves deep links on reload, and every page is axe-clean in light and dark, at 1280 and 390 px', async () => {
    const runs = (await t.request('GET', '/workflows/console-downstream/runs', { token: null })).body.data;
    const pages: Array<[string, string, string | RegExp]> = [
      ['workflows', '/ui/', 'Workflows'],
      ['workflow-detail', '/ui/workflows/console-downstream', 'Auto-Materialization Activity'],
      ['decisions', '/ui/workflows/console-downstream?tab=decisions', 'Decisions'],
      ['runs', '/ui/workflows/console-downstream?tab=runs', 'Runs'],
      ['backfills', '/ui/workflows/console-downstream?tab=backfills', 'Backfills'],
      ['catalog', '/ui/assets', 'Assets'],
      ['asset-detail', '/ui/assets/console.summary', 'Partitions'],
      ['lineage', '/ui/assets/graph', 'Lineage'],
      ['run-detail', `/ui/runs/${runs[0].id}`, 'Steps'],
      ['not-found', '/ui/no/such/page', 'Page not found'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        await page.emulateMedia({ colorScheme });
        await page.setViewportSize({ width, height: 800 });
        for (const [name, path, heading] of pages) {
          await page.goto(url(path));
          await page.getByRole('heading', { name: heading, exact: true }).waitFor();
          if (width === 1280 && colorScheme === 'light') {
            await page.reload();
            await page.getByRole('heading', { name: heading, exact: true }).waitFor();
          }
          await page.getByText('Live', { exact: true }).waitFor();
          // Several panels may be loading at once (history and partitions): wait until none is.
          await eventually(
            () => page.locator('[role="status"]', { hasText: /^Loading/ }).count(),
            (count) => count === 0,
          );
          const violations = await axeViolations(page);
          expect({ page: name, colorScheme, width, violations }).toEqual({
            page: name,
            colorScheme,
            width,
            violations: [],
          });
          if (width === 390) {
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
          }
          await screenshot(page, `console-${name}-${colorScheme}-${width}`);
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 180_000);

  it('can be used with the keyboard alone: skip link, navigation, filters', async () => {
    await page.goto(url('/ui/workflows/console-downstream'));
    await page.getByRole('heading', { name: 'Auto-Materialization Activity' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByRole('combobox', { name: 'Filter by asset' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('id'))).toBe(
      await page.getByRole('combobox', { name: 'Filter by status' }).getAttribute('id'),
    );
    await page.getByRole('link', { name: 'Lineage' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/assets\/graph$/);
  });

  it('keeps the partitions table virtualized while it pages 10,000 partitions from the server', async () => {
    const minutes = {
      slug: 'console-minutes',
      name: 'Console minutes',
      steps: [
        {
          id: 'tick',
          jobSlug: 'console-ext-tick',
          produces: [
            {
              assetId: 'console.minutes',
              partitioning: { type: 'timeWindow', granularity: 'minute', lookbackWindows: 10_000 },
            },
          ],
        },
      ],
    };
    const registered = await t.request('POST', '/workflows', { body: minutes, token: WRITER_TOKEN });
    expect(registered.status).toBe(201);
    // Read-your-writes: open the page once the catalog has the new asset (else its first read may 404).
    const known = await t.request('GET', `/assets/console.minutes?minSeq=${registered.body.meta.eventSeq}`, {
      token: null,
    });
    expect(known.status).toBe(200);
    await page.goto(url('/ui/assets/console.minutes'));
    const scroller = page.getByRole('region', { name: 'Partitions table' });
    await page.getByText(/^200 of 10000 loaded$/).waitFor();
    for (const loaded of [400, 600, 800]) {
      await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
      await page.getByText(new RegExp(`^${loaded} of 10000 loaded$`)).waitFor();
    }
    const rendered = await page.locator('tr[data-partition]').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
  });

  it('lays out and searches a lineage graph of 1,000 assets; zoomed in, only the visible nodes are rendered', async () => {
    let lastSeq = 0;
    for (let w = 0; w < 10; w++) {
      const steps = [0, 1].map((s) => ({
        id: `s${s}`,
        jobSlug: 'console-ext-bulk',
        ...(w > 0 ? { consumes: [{ assetId: `bulk.w${w - 1}.s${s}.a0` }] } : {}),
        produces: Array.from({ length: 50 }, (_, a) => ({ assetId: `bulk.w${w}.s${s}.a${a}` })),
      }));
      const body = { slug: `console-bulk-${w}`, name: `Bulk ${w}`, steps };
      const registered = await t.request('POST', '/workflows', { body, token: WRITER_TOKEN });
      expect(registered.status).toBe(201);
      lastSeq = registered.body.meta.eventSeq;
    }
    expect((await t.request('GET', `/assets/graph?minSeq=${lastSeq}`, { token: null })).status).toBe(200);
    const started = Date.now();
    await page.goto(url('/ui/assets/graph'));
    await page.locator('.react-flow__node').first().waitFor();
    await page.getByText(/Never materialized \(\d{4}\)/).waitFor();
    process.stdout.write(`lineage graph of 1,000+ assets shown in ${Date.now() - started} ms\n`);
    await page.getByLabel('Search by asset id').fill('bulk.w9.s1.a49');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('[data-asset="bulk.w9.s1.a49"]').waitFor();
    // Zoomed in on the match, only the nodes in view are in the DOM.
    await eventually(
      () => page.locator('.react-flow__node').count(),
      (count) => count < 100,
    );
    await screenshot(page, 'console-lineage-1000');
  });

  it('shows a backfill progressing in the Backfills tab and cancels it there', async () => {
    const keys = ['b1', 'b2', 'b3'];
    const workflow = {
      slug: 'console-backfill',
      name: 'Console backfill',
      steps: [
        {
          id: 'make',
          jobSlug: 'console-ext-backfill',
          produces: [{ assetId: 'console.backfill', partitioning: { type: 'static', keys } }],
        },
      ],
    };
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
    const requested = await t.request('POST', '/workflows/console-backfill/backfills', {
      body: { partitions: { keys }, maxConcurrentRuns: 1 },
      token: ADMIN_TOKEN,
    });
    expect(requested.status).toBe(202);
    await page.goto(url('/ui/workflows/console-backfill?tab=backfills'));
    await page.getByRole('heading', { name: 'Backfills', exact: true }).waitFor();
    await text('1 running · 2 queued');
    expect(await axeViolations(page)).toEqual([]);
    const [run] = (
      await eventually(
        () => t.request('GET', '/workflows/console-backfill/runs', { token: null }),
        (response) => response.body.data.length === 1,
      )
    ).body.data;
    await complete(run.id, 'make', 'console.backfill', 'b1');
    await text('1 running · 1 queued · 1 succeeded');
    await page.getByRole('button', { name: /^Cancel backfill/ }).click();
    await text('canceling');
    const [second] = (
      await eventually(
        () => t.request('GET', '/workflows/console-backfill/runs', { token: null }),
        (response) => response.body.data.length === 2,
      )
    ).body.data;
    await complete(second.id, 'make', 'console.backfill', 'b2');
    await text('2 succeeded · 1 canceled');
    await page.getByText('canceled', { exact: true }).waitFor();
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
