import type { Subscription } from '@nats-io/transport-node';
import { Ajv } from 'ajv';
import type { Logger } from 'pino';
import type { NatsContext } from '../events/nats-context.js';
import { toProblem } from '../http/domain-error.filter.js';
import { assertStorableBody } from '../http/input-guards.js';
import { toFieldProblems } from '../http/schema.pipe.js';
import { ValidationError } from '../domain/domain-error.js';
import type { CompletionBody, RunCommandService } from './run-command.service.js';
import { natsCompletionSchema } from './run.http-schemas.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(natsCompletionSchema);

/**
 * `<prefix>_job.complete`: workers that speak NATS report a step here with a request; the reply is what the HTTP
 * endpoint would answer: `{ status: 200, body: { data, meta } }` or `{ status: 4xx, body: <problem> }`.
 */
export function listenForCompletions(nats: NatsContext, commands: RunCommandService, log: Logger): Subscription {
  const subject = nats.subjects.jobComplete;
  return nats.nc.subscribe(subject, {
    queue: `${nats.subjects.prefix}-complete`,
    callback: (error, message) => {
      if (error) return log.warn({ err: error }, 'completion subscription error');
      void (async () => {
        let reply: { status: number; body: unknown };
        try {
          const body = message.json<CompletionBody & { runId: string; stepId: string }>();
          if (!validate(body))
            throw new ValidationError(
              'invalid_request',
              'The completion request is invalid.',
              toFieldProblems(validate.errors),
            );
          assertStorableBody(body);
          const { runId, stepId, ...completion } = body;
          const result = await commands.completeStep(runId, stepId, completion, 'nats-worker', runId);
          const { duplicate, seq: _seq, ...data } = result.answer;
          reply = { status: 200, body: { data, meta: { eventSeq: result.eventSeq, duplicate } } };
        } catch (caught) {
          const problem = toProblem(caught instanceof SyntaxError ? caught : caught, subject);
          if (problem.status >= 500) log.error({ err: caught }, 'completion over NATS failed');
          reply = { status: problem.status, body: problem };
        }
        message.respond(JSON.stringify(reply));
      })();
    },
  });
}
