import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiQueryFrom } from '../assets/api-docs.js';
import type { Kysely } from 'kysely';
import {
  listAutoRuns,
  listDecisions,
} from '../../projections/auto-materialize-decisions/auto-materialize-decisions.queries.js';
import type { Database } from '../../projections/database.js';
import { listBackoff, listInFlight } from '../../projections/materializer/materializer.queries.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { toRunView } from '../runs/run-state.js';
import { DB } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { autoMaterializeQuerySchema, type AutoMaterializeQuery } from './auto-materialize.http-schemas.js';
import { autoMaterializeResponseSchema } from './auto-materialize.response-schemas.js';
import { MATERIALIZER_CONSUMER } from './materializer.consumer.js';

/** The read models behind the view; `?minSeq=` waits for all of them. */
const READ_MODELS = ['run_history', MATERIALIZER_CONSUMER, 'auto_materialize_decisions'];

@ApiTags('auto-materialize')
@Controller('workflows')
export class AutoMaterializeController {
  constructor(
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  @Get(':slug/auto-materialize')
  @ApiOperation({
    summary:
      'Auto-materialization of a workflow: recent auto runs, in-flight runs, backoff windows and recent trigger decisions',
  })
  @ApiQueryFrom(autoMaterializeQuerySchema)
  @ApiOkResponse({ schema: autoMaterializeResponseSchema })
  async view(
    @Param('slug') slug: string,
    @Query(new SchemaPipe(autoMaterializeQuerySchema, 'query')) query: AutoMaterializeQuery,
  ) {
    await this.workflows.require(slug);
    for (const name of READ_MODELS) await this.consumers.waitFor(name, query.minSeq);
    const filter = {
      slug,
      limit: query.limit,
      ...(query.assetId ? { assetId: query.assetId } : {}),
      ...(query.partitionKey ? { partitionKey: query.partitionKey } : {}),
    };
    const [runs, inFlight, backoff, decisions] = await Promise.all([
      listAutoRuns(this.db, filter),
      listInFlight(this.db, filter),
      listBackoff(this.db, filter),
      listDecisions(this.db, { ...filter, ...(query.outcome ? { outcome: query.outcome } : {}) }),
    ]);
    return { data: { runs: runs.map(toRunView), inFlight, backoff, decisions }, meta: { limit: query.limit } };
  }
}
