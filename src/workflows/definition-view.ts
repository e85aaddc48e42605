import { pointer } from './validation-problem.js';
import type { StepType } from './workflow-definition.js';

/**
 * A defensive, typed view of a (possibly structurally invalid) body, so the semantic rules can run next to the
 * schema checks and a client sees every problem at once. Pieces of the wrong shape are left out of the view;
 * the schema check has already reported them.
 */

/** One `produces`/`consumes` entry that is an object. */
export interface DeclarationView {
  /** Pointer of the entry, e.g. `/steps/0/produces/1`. */
  path: string;
  /** The id, when it is a string. */
  assetId?: string;
  value: Record<string, unknown>;
}

/** One `dependsOn` entry that is a string. */
export interface DependencyView {
  path: string;
  stepId: string;
}

/** One step that is an object. */
export interface StepView {
  /** Pointer of the step, e.g. `/steps/2`. */
  path: string;
  /** The id, when it is a string. */
  id?: string;
  /** The declared type, else the default implied by `jobSlug`/`serviceUrl`; undefined when neither says. */
  type?: StepType;
  hasJobSlug: boolean;
  hasServiceUrl: boolean;
  dependsOn: DependencyView[];
  produces: DeclarationView[];
  consumes: DeclarationView[];
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

function indexed(value: unknown): Array<{ item: unknown; index: number }> {
  return Array.isArray(value) ? value.map((item: unknown, index) => ({ item, index })) : [];
}

function viewDeclarations(value: unknown, path: string): DeclarationView[] {
  return indexed(value).flatMap(({ item, index }) =>
    isRecord(item) ? [{ path: pointer(path, index), assetId: optionalString(item.assetId), value: item }] : [],
  );
}

function viewDependencies(value: unknown, path: string): DependencyView[] {
  return indexed(value).flatMap(({ item, index }) =>
    typeof item === 'string' ? [{ path: pointer(path, index), stepId: item }] : [],
  );
}

/** The step type a step declares, or the one its `jobSlug`/`serviceUrl` implies. */
export function stepTypeOf(step: Record<string, unknown>): StepType | undefined {
  if (step.type === 'job' || step.type === 'service') return step.type;
  if (step.type !== undefined) return undefined;
  if (step.jobSlug !== undefined) return 'job';
  if (step.serviceUrl !== undefined) return 'service';
  return undefined;
}

function viewStep(step: Record<string, unknown>, path: string): StepView {
  return {
    path,
    id: optionalString(step.id),
    type: stepTypeOf(step),
    hasJobSlug: step.jobSlug !== undefined,
    hasServiceUrl: step.serviceUrl !== undefined,
    dependsOn: viewDependencies(step.dependsOn, pointer(path, 'dependsOn')),
    produces: viewDeclarations(step.produces, pointer(path, 'produces')),
    consumes: viewDeclarations(step.consumes, pointer(path, 'consumes')),
  };
}

/** The steps of a body that are objects, with their pointers. */
export function viewSteps(body: unknown): StepView[] {
  if (!isRecord(body)) return [];
  return indexed(body.steps).flatMap(({ item, index }) =>
    isRecord(item) ? [viewStep(item, pointer('/steps', index))] : [],
  );
}
