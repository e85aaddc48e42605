import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { EXAMPLE_JOBS, EXAMPLE_WORKFLOWS, ExampleOutput } from '../../examples/index.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../jobs/job-handler.js';
import { LOGGER } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { registerExampleWorkflows } from './example-workflow-registration.js';

/**
 * Loads the example scenarios at bootstrap when `APPHUB_LOAD_EXAMPLES` is true: registers their in-process jobs
 * (writing under `APPHUB_EXAMPLES_OUTPUT_DIR`) and their workflow definitions, so runs are possible as soon as
 * the application has started. Idempotent across restarts; safe when instances boot together.
 */
@Injectable()
export class ExamplesLoader implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandlerRegistry,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.loadExamples) return;
    const output = new ExampleOutput(this.config.examplesOutputDir);
    await mkdir(output.root, { recursive: true });
    for (const job of EXAMPLE_JOBS) this.handlers.register(job.jobSlug, job.create(output));
    const workflows = await registerExampleWorkflows(this.workflows, EXAMPLE_WORKFLOWS, randomUUID());
    this.log.info(
      {
        outputDir: output.root,
        jobs: EXAMPLE_JOBS.map((job) => job.jobSlug),
        workflows: workflows.map(({ slug, outcome, version }) => ({ slug, outcome, version })),
      },
      'examples loaded',
    );
  }
}
