import { useNavigate } from 'react-router';
import { useRerun } from '../api/hooks';
import { ApiError } from '../api/problem';

/** Re-runs the run (its parameters and partition, the workflow's current definition) and opens the new run. */
export function RerunButton({ runId }: { runId: string }) {
  const rerun = useRerun(runId);
  const navigate = useNavigate();
  return (
    <span className="actions">
      <button
        type="button"
        disabled={rerun.isPending}
        onClick={() => rerun.mutate(undefined, { onSuccess: (run) => void navigate(`/runs/${run.id}`) })}
      >
        {rerun.isPending ? 'Re-running…' : 'Re-run'}
      </button>
      {rerun.isError ? (
        <span className="error-text" role="alert">
          {rerun.error instanceof ApiError ? rerun.error.message : 'The re-run was not requested.'}
        </span>
      ) : null}
    </span>
  );
}
