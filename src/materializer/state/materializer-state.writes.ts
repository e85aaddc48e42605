import type { QueryCreator } from 'kysely';
import type { Database } from '../../../projections/database.js';
import { splitKey } from '../saga-state.js';
import type { TrackedState } from './materializer-state.load.js';
import { changed, chunks, type Snapshot } from './state-snapshot.js';

/** One write of a batch, as a data-modifying common table expression. */
export type Write = (db: QueryCreator<Database>) => { compile(): unknown };

function removed(map: TrackedState[keyof TrackedState]): string[][] {
  return [...map.removed].filter((key) => !map.has(key)).map(splitKey);
}

export function latestWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.latest, before.latest).map(([key, value]) => {
    const [workflow_slug, asset_id, partition_key_norm] = splitKey(key) as [string, string, string];
    return {
      workflow_slug,
      asset_id,
      partition_key_norm,
      event_id: value.eventId,
      seq: value.seq,
      produced_at: value.producedAt,
    };
  });
  return chunks(rows).map(
    (chunk) => (db) =>
      db
        .insertInto('materializer_latest')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['workflow_slug', 'asset_id', 'partition_key_norm']).doUpdateSet((eb) => ({
            event_id: eb.ref('excluded.event_id'),
            seq: eb.ref('excluded.seq'),
            produced_at: eb.ref('excluded.produced_at'),
          })),
        ),
  );
}

export function targetWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.targets, before.targets).map(([key, target]) => ({
    workflow_slug: target.workflowSlug,
    partition_key_norm: splitKey(key)[1]!,
    partition_key: target.partitionKey,
    in_flight: target.inFlight ? JSON.stringify(target.inFlight) : null,
    pending: target.pending ? JSON.stringify(target.pending) : null,
    failures: target.failures,
    next_eligible_at: target.nextEligibleAt,
  }));
  const upserts: Write[] = chunks(rows).map(
    (chunk) => (db) =>
      db
        .insertInto('materializer_target')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['workflow_slug', 'partition_key_norm']).doUpdateSet((eb) => ({
            in_flight: eb.ref('excluded.in_flight'),
            pending: eb.ref('excluded.pending'),
            failures: eb.ref('excluded.failures'),
            next_eligible_at: eb.ref('excluded.next_eligible_at'),
          })),
        ),
  );
  const gone = removed(state.targets);
  if (gone.length === 0) return upserts;
  return [
    ...upserts,
    (db) =>
      db.deleteFrom('materializer_target').where(({ eb, refTuple, tuple }) =>
        eb(
          refTuple('workflow_slug', 'partition_key_norm'),
          'in',
          gone.map(([a, b]) => tuple(a!, b!)),
        ),
      ),
  ];
}

export function runWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.runs, before.runs).map(([, run]) => ({
    run_id: run.runId,
    workflow_slug: run.workflowSlug,
    partition_key: run.partitionKey,
    chain: JSON.stringify(run.chain),
    status: run.status,
  }));
  return chunks(rows).map(
    (chunk) => (db) =>
      db
        .insertInto('materializer_run')
        .values(chunk)
        .onConflict((oc) => oc.column('run_id').doUpdateSet((eb) => ({ status: eb.ref('excluded.status') }))),
  );
}

export function parameterWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = changed(state.parameters, before.parameters).map(([key, stored]) => {
    const [workflow_slug, asset_id, partition_key_norm] = splitKey(key) as [string, string, string];
    return {
      workflow_slug,
      asset_id,
      partition_key_norm,
      parameters: JSON.stringify(stored.parameters ?? null),
      source: stored.source,
    };
  });
  const upserts: Write[] = chunks(rows).map(
    (chunk) => (db) =>
      db
        .insertInto('materializer_parameters')
        .values(chunk)
        .onConflict((oc) =>
          oc
            .columns(['workflow_slug', 'asset_id', 'partition_key_norm'])
            .doUpdateSet((eb) => ({ parameters: eb.ref('excluded.parameters'), source: eb.ref('excluded.source') })),
        ),
  );
  const gone = removed(state.parameters);
  if (gone.length === 0) return upserts;
  return [
    ...upserts,
    (db) =>
      db.deleteFrom('materializer_parameters').where(({ eb, refTuple, tuple }) =>
        eb(
          refTuple('workflow_slug', 'asset_id', 'partition_key_norm'),
          'in',
          gone.map(([a, b, c]) => tuple(a!, b!, c!)),
        ),
      ),
  ];
}

export function seenWrites(state: TrackedState, before: Snapshot): Write[] {
  const rows = [...state.seen.entries()]
    .filter(([key]) => !before.seen.has(key))
    .map(([event_id, seq]) => ({ event_id, seq }));
  return chunks(rows).map(
    (chunk) => (db) =>
      db
        .insertInto('materializer_seen_event')
        .values(chunk)
        .onConflict((oc) => oc.column('event_id').doNothing()),
  );
}
