import type { DependencyView, StepView } from './definition-view.js';
import type { ValidationProblem } from './validation-problem.js';

type Graph = Map<string, DependencyView[]>;

/** Edges step → dependency for the first step of each id, without self-references and unknown ids. */
function dependencyGraph(steps: readonly StepView[]): Graph {
  const firstSteps = new Map<string, StepView>();
  for (const step of steps) {
    if (step.id !== undefined && !firstSteps.has(step.id)) firstSteps.set(step.id, step);
  }
  const graph: Graph = new Map();
  for (const [id, step] of firstSteps) {
    graph.set(
      id,
      step.dependsOn.filter(({ stepId }) => stepId !== id && firstSteps.has(stepId)),
    );
  }
  return graph;
}

/**
 * Depth-first search in step order. A dependency on a step that is still on the stack closes a cycle; it is
 * reported at that `dependsOn` entry, naming the cycle in dependency order (`a → b → a`: a depends on b, b on a).
 * Every closing entry is reported once, so each independent cycle shows up.
 */
export function findDependencyCycles(steps: readonly StepView[]): ValidationProblem[] {
  const graph = dependencyGraph(steps);
  const done = new Set<string>();
  const stack: string[] = [];
  const problems: ValidationProblem[] = [];

  const visit = (stepId: string): void => {
    stack.push(stepId);
    for (const { path, stepId: next } of graph.get(stepId) ?? []) {
      const onStack = stack.indexOf(next);
      if (onStack >= 0) {
        const cycle = [...stack.slice(onStack), next].join(' → ');
        problems.push({ path, message: `dependsOn creates a cycle: ${cycle}` });
      } else if (!done.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    done.add(stepId);
  };

  for (const stepId of graph.keys()) if (!done.has(stepId)) visit(stepId);
  return problems;
}
