import { DomainError } from '../domain/domain-error.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { registerExampleWorkflows, type WorkflowWriter } from './example-workflow-registration.js';

type Stored = { workflow: WorkflowDefinition; seq: number };

/** An in-memory stand-in for the command service: versions like the decider (identical update = no change). */
function fakeWriter(
  initial: Record<string, { version: number; body: object }> = {},
  options: { concurrentRegistration?: boolean } = {},
) {
  const stored = new Map(Object.entries(initial));
  const calls: string[] = [];
  const view = (slug: string): Stored => ({
    workflow: { ...(stored.get(slug)!.body as object), slug, version: stored.get(slug)!.version } as WorkflowDefinition,
    seq: 1,
  });
  const writer: WorkflowWriter = {
    load: async (slug) => (stored.has(slug) ? view(slug) : null),
    register: async (body) => {
      const { slug } = body as { slug: string };
      calls.push(`register ${slug}`);
      if (options.concurrentRegistration) throw new DomainError('workflow_exists', 'exists');
      stored.set(slug, { version: 1, body: body as object });
      return { ...view(slug), eventSeq: 1, created: true };
    },
    update: async (slug, body, expectedVersion) => {
      calls.push(`update ${slug} ${String(expectedVersion)}`);
      const current = stored.get(slug)!;
      if (JSON.stringify(current.body) !== JSON.stringify(body))
        stored.set(slug, { version: current.version + 1, body: body as object });
      return { ...view(slug), eventSeq: 2, created: false };
    },
  };
  return { writer, calls };
}

describe('registering the example workflows', () => {
  const example = { slug: 'demo', name: 'Demo', steps: [] };

  it('registers a workflow that does not exist yet', async () => {
    const { writer, calls } = fakeWriter();
    expect(await registerExampleWorkflows(writer, [example], 'req')).toEqual([
      { slug: 'demo', outcome: 'registered', version: 1 },
    ]);
    expect(calls).toEqual(['register demo']);
  });

  it('leaves an identical workflow alone', async () => {
    const { writer } = fakeWriter({ demo: { version: 4, body: example } });
    expect(await registerExampleWorkflows(writer, [example], 'req')).toEqual([
      { slug: 'demo', outcome: 'unchanged', version: 4 },
    ]);
  });

  it('replaces a changed workflow without If-Match', async () => {
    const { writer, calls } = fakeWriter({ demo: { version: 2, body: { ...example, name: 'Edited' } } });
    expect(await registerExampleWorkflows(writer, [example], 'req')).toEqual([
      { slug: 'demo', outcome: 'updated', version: 3 },
    ]);
    expect(calls).toEqual(['update demo undefined']);
  });

  it('accepts that another instance registered it concurrently', async () => {
    const { writer } = fakeWriter({}, { concurrentRegistration: true });
    expect(await registerExampleWorkflows(writer, [example], 'req')).toEqual([
      { slug: 'demo', outcome: 'registered-elsewhere', version: null },
    ]);
  });

  it('surfaces any other failure', async () => {
    const { writer } = fakeWriter();
    writer.register = async () => {
      throw new DomainError('invalid_definition', 'bad');
    };
    await expect(registerExampleWorkflows(writer, [example], 'req')).rejects.toThrow('bad');
  });
});
