import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { AutoMaterializeView, InventoryAsset } from '../api/types';
import { aRun, aView, aWorkflow } from '../test-fixtures';
import { AutoMaterializationPanel } from './auto-materialization-panel';

const NOW = Date.parse('2024-01-02T12:00:00.000Z');

function renderPanel(view: AutoMaterializeView, assets?: InventoryAsset[]) {
  const onRefresh = vi.fn();
  render(
    <MemoryRouter>
      <AutoMaterializationPanel
        workflow={aWorkflow()}
        view={view}
        assets={assets}
        updatedAt={NOW}
        refreshing={false}
        onRefresh={onRefresh}
        now={NOW}
      />
    </MemoryRouter>,
  );
  return { onRefresh };
}

describe('Auto-Materialization Activity panel', () => {
  const parquetRun = aRun({
    id: 'aaaaaaaa-1111-0000-0000-000000000000',
    assetId: 'retail.sales.parquet',
    status: 'succeeded',
  });
  const rawRun = aRun({
    id: 'bbbbbbbb-2222-0000-0000-000000000000',
    assetId: 'retail.sales.raw',
    status: 'running',
    completedAt: null,
  });

  it('shows the in-flight claim, both runs, and filters them by asset and status', async () => {
    const user = userEvent.setup();
    renderPanel(
      aView({
        runs: [parquetRun, rawRun],
        inFlight: [
          {
            partitionKey: null,
            runId: rawRun.id,
            assetId: 'retail.sales.raw',
            reason: 'upstream-update',
            since: '2024-01-02T11:59:00.000Z',
            followUpPending: true,
          },
        ],
      }),
    );
    expect(screen.getByRole('heading', { name: 'Auto-Materialization Activity' })).toBeInTheDocument();
    const claim = screen.getByTestId('in-flight-claim');
    expect(within(claim).getByText('retail.sales.raw')).toBeInTheDocument();
    expect(within(claim).getByText('Global')).toBeInTheDocument();
    expect(within(claim).getByText(/follow-up queued/)).toBeInTheDocument();
    expect(screen.getAllByTestId('auto-run')).toHaveLength(2);

    await user.selectOptions(screen.getByLabelText('Filter by asset'), 'retail.sales.parquet');
    expect(screen.getAllByTestId('auto-run')).toHaveLength(1);
    const table = () => screen.getByRole('region', { name: 'Auto-materialized runs table' });
    expect(within(table()).getByRole('link', { name: 'aaaaaaaa' })).toBeInTheDocument();
    expect(within(table()).queryByRole('link', { name: 'bbbbbbbb' })).not.toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Filter by status'), 'failed');
    expect(screen.queryAllByTestId('auto-run')).toHaveLength(0);
    expect(screen.getByText('No runs match the selected filters.')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Filter by asset'), '');
    await user.selectOptions(screen.getByLabelText('Filter by status'), 'running');
    expect(screen.getAllByTestId('auto-run')).toHaveLength(1);
    expect(within(table()).getByRole('link', { name: 'bbbbbbbb' })).toBeInTheDocument();
  });

  it('offers the assets of the run triggers as asset filter options, once each', () => {
    renderPanel(aView({ runs: [parquetRun, rawRun, aRun({ assetId: 'retail.sales.raw' })] }));
    const options = within(screen.getByLabelText('Filter by asset'))
      .getAllByRole('option')
      .map((o) => o.textContent);
    expect(options).toEqual(['All assets', 'retail.sales.parquet', 'retail.sales.raw']);
  });

  it('says so when nothing is claimed, backing off or tracked', () => {
    renderPanel(aView());
    expect(screen.getByText('No active claims.')).toBeInTheDocument();
    expect(screen.getByText('No backoff in effect.')).toBeInTheDocument();
    expect(screen.getByText('None yet')).toBeInTheDocument();
    expect(screen.getByText('No runs match the selected filters.')).toBeInTheDocument();
  });

  it('shows a backoff window: failures, then the next eligible run or "Ready now" once it is over', () => {
    renderPanel(
      aView({
        backoff: [
          {
            partitionKey: '2024-01-01',
            failures: 3,
            nextEligibleAt: '2024-01-02T12:08:00.000Z',
            deferredPending: true,
          },
          {
            partitionKey: '2024-01-02',
            failures: 1,
            nextEligibleAt: '2024-01-02T11:00:00.000Z',
            deferredPending: false,
          },
        ],
      }),
    );
    const cooldown = screen.getByRole('article', { name: 'Cooldown' });
    expect(within(cooldown).getByText('3')).toBeInTheDocument();
    expect(within(cooldown).getAllByText('Ready now')).toHaveLength(1);
    expect(within(cooldown).getByText(/deferred trigger/)).toBeInTheDocument();
    expect(within(cooldown).queryByText('No backoff in effect.')).not.toBeInTheDocument();
  });

  it('counts the tracked runs and shows the last one', () => {
    renderPanel(aView({ runs: [aRun({ status: 'failed' }), parquetRun] }));
    const recent = screen.getByRole('article', { name: 'Recent activity' });
    expect(within(recent).getByText('2')).toBeInTheDocument();
    expect(within(recent).getByText('failed')).toBeInTheDocument();
  });

  it('lists the auto-managed assets with policy chips, latest materialization, Global partition, TTL, max age and freshness', () => {
    const latest = {
      assetId: 'retail.sales.report',
      workflowSlug: 'retail-sales-insights',
      runId: parquetRun.id,
      stepId: 'render-report',
      partitionKey: null,
      producedAt: '2024-01-02T11:30:00.000Z',
      payload: {},
      schema: null,
      freshness: null,
      runStatus: 'succeeded',
      eventSeq: 7,
    };
    renderPanel(aView(), [{ assetId: 'retail.sales.report', producers: [], consumers: [], latest, available: true }]);
    const cards = screen.getAllByTestId('auto-managed-asset');
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    expect(within(card).getByText('retail.sales.report')).toBeInTheDocument();
    expect(within(card).getByText('On upstream update')).toBeInTheDocument();
    expect(within(card).getByText('Priority 4')).toBeInTheDocument();
    expect(within(card).getByText('Global')).toBeInTheDocument();
    expect(within(card).getByText('1 h')).toBeInTheDocument();
    expect(within(card).getByText('1 d')).toBeInTheDocument();
    expect(within(card).getByText('Fresh')).toBeInTheDocument();
    expect(screen.queryByText('retail.sales.notes')).not.toBeInTheDocument();
  });

  it('marks an auto-managed asset never materialized, and refreshes on request', async () => {
    const { onRefresh } = renderPanel(aView(), []);
    expect(within(screen.getByTestId('auto-managed-asset')).getByText('Never materialized')).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Refresh' }));
    expect(onRefresh).toHaveBeenCalledTimes(1);
    expect(screen.getByText(/Updated/)).toBeInTheDocument();
  });
});
