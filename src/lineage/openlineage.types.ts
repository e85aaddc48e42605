/** The part of the OpenLineage 2-0-2 object model this emitter writes (docs/openlineage/spec/OpenLineage.json). */
export type OpenLineageEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** Every facet carries `_producer` and `_schemaURL` (BaseFacet). */
export interface Facet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
  inputFacets?: Record<string, Facet>;
  outputFacets?: Record<string, Facet>;
}

/** One `RunEvent`. */
export interface OpenLineageRunEvent {
  eventType: OpenLineageEventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, Facet> };
  job: { namespace: string; name: string; facets?: Record<string, Facet> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/**
 * An emitted event with where it came from: `seq`/`eventId`/`subject` of the stream event that caused it (the
 * dead-letter row and the replay's `--from-seq` refer to them), `slug` for the NATS subject, `parentRunId` to keep
 * the events of one workflow run in order, and `body`, the canonical JSON that every transport sends as it is.
 */
export interface EmittedLineageEvent {
  seq: number;
  sourceEventId: string;
  sourceType: string;
  subject: string;
  slug: string;
  parentRunId: string;
  eventType: OpenLineageEventType;
  body: string;
}
