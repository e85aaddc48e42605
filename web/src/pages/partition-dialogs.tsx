import type { UseMutationResult } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useWorkflow } from '../api/queries';
import type { Partition, Run } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorState, Loading } from '../components/states';
import { partitionLabel, shortId } from '../logic/format';
import { checkParameters } from '../logic/parameters';
import { parametersSourceLabel } from '../logic/policy';

type Done = (message?: ReactNode) => void;

/** *Mark stale*: an optional note, and whether the materializer should rerun the partition. */
export function MarkStaleDialog({
  partition,
  mutation,
  onDone,
}: {
  partition: Partition;
  mutation: UseMutationResult<unknown, Error, { partitionKey: string | null; note?: string; trigger: boolean }>;
  onDone: Done;
}) {
  const [note, setNote] = useState('');
  const [trigger, setTrigger] = useState(false);
  const id = useId();
  const label = partitionLabel(partition.partitionKey);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate(
      { partitionKey: partition.partitionKey ?? null, note: note.trim() || undefined, trigger },
      { onSuccess: () => onDone(`Marked ${label} stale${trigger ? '; a rerun was requested' : ''}.`) },
    );
  };
  return (
    <Dialog title={`Mark ${label} stale`} onClose={() => onDone()}>
      <form onSubmit={submit} className="form">
        <label htmlFor={`${id}-note`}>Note (optional)</label>
        <input id={`${id}-note`} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={trigger} onChange={(e) => setTrigger(e.target.checked)} /> Also request a
          rerun of this partition
        </label>
        {mutation.isError ? <ErrorState error={mutation.error} /> : null}
        <div className="actions">
          <button type="submit" disabled={mutation.isPending}>
            {mutation.isPending ? 'Marking…' : 'Mark stale'}
          </button>
          <button type="button" onClick={() => onDone()}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * *Recompute*: a JSON editor checked live against the workflow's parametersSchema (merged over its
 * defaultParameters, as the server does), "Load stored parameters", and "Save these parameters for future
 * auto-materialized runs" (PUT partition-parameters before POST /run, like the seed's console).
 */
export function RecomputeDialog({
  slug,
  partition,
  mutation,
  onDone,
}: {
  slug: string;
  partition: Partition;
  mutation: UseMutationResult<
    Run,
    Error,
    { partitionKey: string | null; parameters: Record<string, unknown>; save: boolean }
  >;
  onDone: Done;
}) {
  const workflow = useWorkflow(slug);
  const [text, setText] = useState('{}');
  const [save, setSave] = useState(false);
  const id = useId();
  const label = partitionLabel(partition.partitionKey);
  const check = useMemo(() => checkParameters(text, workflow.data ?? {}), [text, workflow.data]);
  const stored = partition.parameters;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!check.parameters || check.problems.length > 0) return;
    mutation.mutate(
      { partitionKey: partition.partitionKey ?? null, parameters: check.parameters, save },
      {
        onSuccess: (run) =>
          onDone(
            <>
              Recompute of {label} requested: run <Link to={`/runs/${run.id}`}>{shortId(run.id)}</Link>.
            </>,
          ),
      },
    );
  };
  return (
    <Dialog title={`Recompute ${label}`} onClose={() => onDone()}>
      {workflow.isPending ? (
        <Loading what="the workflow's parameters schema" />
      ) : workflow.isError ? (
        <ErrorState error={workflow.error} />
      ) : (
        <form onSubmit={submit} className="form">
          <label htmlFor={`${id}-params`}>Run parameters (JSON)</label>
          <textarea
            id={`${id}-params`}
            rows={10}
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={check.problems.length > 0}
            aria-describedby={`${id}-check`}
          />
          <div id={`${id}-check`} aria-live="polite">
            {check.problems.length > 0 ? (
              <ul className="problems">
                {check.problems.map((problem) => (
                  <li key={`${problem.path}:${problem.message}`}>
                    {problem.path ? <code>{problem.path}</code> : null} {problem.message}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">
                {workflow.data?.parametersSchema
                  ? 'Valid against the workflow’s parametersSchema.'
                  : 'Valid JSON object.'}
              </p>
            )}
          </div>
          <div className="actions">
            <button
              type="button"
              disabled={stored === null || stored === undefined}
              onClick={() => setText(JSON.stringify(stored, null, 2))}
            >
              Load stored parameters
            </button>
            <span className="muted">
              {stored ? parametersSourceLabel(partition.parametersSource) : 'No stored parameters'}
            </span>
          </div>
          <label className="check">
            <input type="checkbox" checked={save} onChange={(e) => setSave(e.target.checked)} /> Save these parameters
            for future auto-materialized runs
          </label>
          {mutation.isError ? <ErrorState error={mutation.error} /> : null}
          <div className="actions">
            <button type="submit" disabled={mutation.isPending || check.problems.length > 0}>
              {mutation.isPending ? 'Requesting…' : 'Recompute'}
            </button>
            <button type="button" onClick={() => onDone()}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
