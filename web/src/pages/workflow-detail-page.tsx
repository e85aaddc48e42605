import { Link, useParams, useSearchParams } from 'react-router';
import { useAutoMaterialize, useWorkflow, useWorkflowAssets } from '../api/queries';
import type { Workflow } from '../api/types';
import { QueryState } from '../components/states';
import { Time } from '../components/time';
import { useNow } from '../logic/use-now';
import { AssetsTab } from './assets-tab';
import { AutoMaterializationPanel } from './auto-materialization-panel';
import { BackfillsTab } from './backfills-tab';
import { DecisionsTab } from './decisions-tab';
import { usePageTitle } from './page-title';
import { RunsTab } from './runs-tab';

const TABS = [
  { id: 'activity', label: 'Auto-materialization' },
  { id: 'decisions', label: 'Decisions' },
  { id: 'runs', label: 'Runs' },
  { id: 'backfills', label: 'Backfills' },
  { id: 'assets', label: 'Assets' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function WorkflowDetailPage() {
  const { slug = '' } = useParams();
  const [params] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'activity') as Tab;
  const workflow = useWorkflow(slug);
  usePageTitle(workflow.data?.name ?? slug);
  return (
    <QueryState query={workflow} what="the workflow">
      {(definition) => (
        <article aria-labelledby="workflow-title">
          <p className="crumbs">
            <Link to="/">Workflows</Link> / <code>{definition.slug}</code>
          </p>
          <h1 id="workflow-title">{definition.name}</h1>
          {definition.description ? <p>{definition.description}</p> : null}
          <p className="muted">
            Version {definition.version} · {definition.steps.length} {definition.steps.length === 1 ? 'step' : 'steps'}{' '}
            · updated <Time at={definition.updatedAt} />
          </p>
          <nav aria-label="Workflow sections" className="tabs">
            {TABS.map((t) => (
              <Link key={t.id} to={`?tab=${t.id}`} aria-current={t.id === tab ? 'page' : undefined} replace>
                {t.label}
              </Link>
            ))}
          </nav>
          {tab === 'activity' ? <ActivityTab workflow={definition} /> : null}
          {tab === 'decisions' ? <DecisionsTab slug={definition.slug} /> : null}
          {tab === 'runs' ? <RunsTab slug={definition.slug} /> : null}
          {tab === 'backfills' ? <BackfillsTab slug={definition.slug} /> : null}
          {tab === 'assets' ? <AssetsTab workflow={definition} /> : null}
        </article>
      )}
    </QueryState>
  );
}

function ActivityTab({ workflow }: { workflow: Workflow }) {
  const view = useAutoMaterialize(workflow.slug);
  const assets = useWorkflowAssets(workflow.slug);
  const now = useNow();
  return (
    <QueryState query={view} what="auto-materialization activity">
      {(data) => (
        <AutoMaterializationPanel
          workflow={workflow}
          view={data}
          assets={assets.data?.assets}
          updatedAt={view.dataUpdatedAt}
          refreshing={view.isFetching}
          onRefresh={() => {
            void view.refetch();
            void assets.refetch();
          }}
          now={now}
        />
      )}
    </QueryState>
  );
}
