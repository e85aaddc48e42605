import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { JobHandlerRegistry } from '../jobs/job-handler.js';
import type { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { ExamplesLoader } from './examples-loader.js';

describe('the examples loader', () => {
  it('registers neither jobs nor workflows unless APPHUB_LOAD_EXAMPLES is true', async () => {
    const handlers = new JobHandlerRegistry();
    const touched: string[] = [];
    const workflows = new Proxy(
      {},
      { get: (_target, name) => () => touched.push(String(name)) },
    ) as unknown as WorkflowCommandService;
    const loader = new ExamplesLoader(
      { loadExamples: false, examplesOutputDir: '/nonexistent' } as AppConfig,
      handlers,
      workflows,
      {} as Logger,
    );
    await loader.onApplicationBootstrap();
    expect(handlers.slugs()).toEqual([]);
    expect(touched).toEqual([]);
  });
});
