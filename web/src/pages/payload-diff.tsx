import { useId } from 'react';
import { usePayloadDiff } from '../api/hooks';
import { ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';
import { describeOperation, type PatchOperation } from '../logic/json-patch';
import { partitionLabel, shortId } from '../logic/format';

/** The payload of a materialization beside the one before it (same partition), with the JSON Patch between them. */
export function PayloadDiffPanel({
  slug,
  assetId,
  toSeq,
  onClose,
}: {
  slug: string;
  assetId: string;
  toSeq: number;
  onClose: () => void;
}) {
  const diff = usePayloadDiff(slug, assetId, toSeq);
  const id = useId();
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="payload-diff">
      <h3 id={`${id}-title`}>
        Changes in event {toSeq}{' '}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </h3>
      {diff.isPending ? (
        <Loading what="the diff" />
      ) : diff.isError ? (
        <ErrorState error={diff.error} onRetry={() => void diff.refetch()} />
      ) : (
        <>
          <div className="cards">
            {(['from', 'to'] as const).map((side) => {
              const m = diff.data[side];
              return (
                <div className="card" key={side}>
                  <h4>
                    {side === 'from' ? 'Before' : 'After'}
                    {m ? (
                      <>
                        {' '}
                        · <Time at={m.producedAt} /> · {partitionLabel(m.partitionKey ?? null)} · run{' '}
                        {shortId(m.runId ?? '')}
                      </>
                    ) : null}
                  </h4>
                  <pre className="json" tabIndex={0} aria-label={side === 'from' ? 'Payload before' : 'Payload after'}>
                    {m ? JSON.stringify(m.payload, null, 2) : '(first materialization)'}
                  </pre>
                </div>
              );
            })}
          </div>
          <h4>JSON Patch (RFC 6902)</h4>
          {diff.data.patch.length === 0 ? (
            <p className="muted">No change.</p>
          ) : (
            <ul className="plain" aria-label="Patch operations">
              {(diff.data.patch as PatchOperation[]).map((operation, index) => (
                <li key={index}>
                  <code>{describeOperation(operation)}</code>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
