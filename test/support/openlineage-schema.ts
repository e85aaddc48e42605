import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Facet, OpenLineageDataset, OpenLineageRunEvent } from '../../src/lineage/openlineage.types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const CORE_ID = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
/**
 * The published facet schemas we emit reference the base facet definitions of older core versions (1-0-2, 1-0-3);
 * those definitions (`RunFacet`, `DatasetFacet`, `JobFacet` = `BaseFacet`: `_producer` and `_schemaURL` required)
 * are kept as they are by 2-0-2, so the references resolve against the vendored 2-0-2 document.
 */
const CORE_ALIASES = [
  'https://openlineage.io/spec/1-0-2/OpenLineage.json',
  'https://openlineage.io/spec/1-0-3/OpenLineage.json',
];

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

function buildAjv(): Ajv2020 {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const core = readJson('docs/openlineage/spec/OpenLineage.json');
  ajv.addSchema(core);
  for (const alias of CORE_ALIASES) ajv.addSchema({ ...core, $id: alias });
  for (const folder of ['docs/openlineage/spec/facets', 'docs/openlineage/facets']) {
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
      ajv.addSchema(readJson(`${folder}/${file}`));
    }
  }
  return ajv;
}

const ajv = buildAjv();
const validateCore = ajv.getSchema(`${CORE_ID}#/$defs/RunEvent`)!;

/**
 * Validates one emitted RunEvent against the vendored OpenLineage 2-0-2 spec, and each facet against the schema its
 * `_schemaURL` names (a facet whose schema is not vendored fails). Returns the problems (empty when valid).
 */
export function openLineageProblems(event: unknown): string[] {
  const problems: string[] = [];
  if (!validateCore(event)) problems.push(...(validateCore.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  const runEvent = event as OpenLineageRunEvent;
  const facets: Facet[] = [
    ...Object.values(runEvent.run?.facets ?? {}),
    ...Object.values(runEvent.job?.facets ?? {}),
    ...[...(runEvent.inputs ?? []), ...(runEvent.outputs ?? [])].flatMap((dataset: OpenLineageDataset) => [
      ...Object.values(dataset.facets ?? {}),
      ...Object.values(dataset.inputFacets ?? {}),
      ...Object.values(dataset.outputFacets ?? {}),
    ]),
  ];
  for (const facet of facets) {
    const validate = ajv.getSchema(facet._schemaURL);
    if (!validate) {
      problems.push(`no vendored schema for ${facet._schemaURL}`);
      continue;
    }
    if (!validate(facet))
      problems.push(...(validate.errors ?? []).map((e) => `${facet._schemaURL}${e.instancePath} ${e.message}`));
  }
  return problems;
}

/** Jest helper: every event validates. */
export function expectValidOpenLineage(events: readonly unknown[]): void {
  const problems = events.flatMap((event, index) =>
    openLineageProblems(event).map((problem) => `#${index}: ${problem}`),
  );
  expect(problems).toEqual([]);
}
