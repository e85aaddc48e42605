import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, RequireScope } from '../../auth/auth.guard.js';
import type { Actor } from '../../auth/operator-tokens.js';
import { written } from '../../http/responses.js';
import { SchemaPipe } from '../../http/schema.pipe.js';
import { mergeLayers } from '../deep-merge.js';
import { RunCommandService } from '../run-command.service.js';
import { runResponseSchema } from '../run.response-schemas.js';
import { rerunBodySchema, type RerunBody } from './rerun.http-schemas.js';

/**
 * Re-run from a run (DESIGN §14): a new run of the same workflow's current definition with the original run's
 * parameters and partition (each optionally overridden), requested through the same path as `POST
 * /workflows/:slug/run` (parameters checked, partition validated, run key reserved) and linked to the original by
 * `trigger: {type: "rerun", runId}`.
 */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('workflow-runs')
export class RerunController {
  constructor(@Inject(RunCommandService) private readonly runs: RunCommandService) {}

  @Post(':runId/rerun')
  @HttpCode(202)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary:
      "Re-run: a new run of the workflow's current definition with the original run's parameters and partition (scope workflows:run)",
  })
  @ApiBody({ schema: rerunBodySchema as object, required: false })
  @ApiAcceptedResponse({ schema: runResponseSchema })
  async rerun(
    @Param('runId') runId: string,
    @Body(new SchemaPipe(rerunBodySchema)) body: RerunBody,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { state } = await this.runs.getRun(runId);
    const original = state.request;
    const partitionKey = body.partitionKey ?? original.partitionKey;
    const { run, eventSeq } = await this.runs.requestManualRun(
      original.workflowSlug,
      {
        parameters: mergeLayers(original.parameters, body.parameters),
        ...(partitionKey === null ? {} : { partitionKey }),
        ...(body.runKey === undefined ? {} : { runKey: body.runKey }),
        ...(body.triggeredBy === undefined ? {} : { triggeredBy: body.triggeredBy }),
      },
      actor.subject,
      String(request.id),
      { type: 'rerun', runId: original.runId, workflowVersion: original.workflowVersion },
    );
    void reply.header('Location', `/workflow-runs/${run.id}`);
    return written(reply, run, eventSeq);
  }
}
