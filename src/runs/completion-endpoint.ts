import type { Logger } from 'pino';
import { ValidationError } from '../domain/domain-error.js';
import type { CompletionReply } from '../events/completion-inbox.js';
import type { CompletionRequests } from '../events/event-ports.js';
import { overloaded } from '../http/admission.js';
import { toProblem } from '../http/domain-error.filter.js';
import { assertStorableBody } from '../http/input-guards.js';
import { toFieldProblems } from '../http/schema.pipe.js';
import type { CompletionBody, RunCommandService } from './run-command.service.js';
import { natsCompletionSchema } from './run.http-schemas.js';
import { compileSchema } from '../validation/validation-policies.js';

/** The same policy as the HTTP body of `POST …/complete` (formats, defaults, no coercion). */
const validate = compileSchema('body', natsCompletionSchema);

/**
 * `<prefix>_job.complete`: workers that speak NATS report a step here with a request; the reply is what the HTTP
 * endpoint would answer: `{ status: 200, body: { data, meta } }` or `{ status: 4xx|503, body: <problem> }`.
 */
export function serveCompletionsOverNats(
  inbox: CompletionRequests,
  commands: RunCommandService,
  log: Logger,
  maxConcurrent: number,
) {
  const { subject } = inbox;
  const busy = (inflight: number): CompletionReply => {
    const problem = toProblem(
      overloaded(`${inflight} completions over NATS are in progress (bound ${maxConcurrent})`),
      subject,
    );
    return { status: problem.status, body: problem };
  };
  return inbox.listen(
    log,
    async (body): Promise<CompletionReply> => {
      try {
        if (body instanceof Error) throw new SyntaxError(body.message);
        if (!validate(body))
          throw new ValidationError(
            'invalid_request',
            'The completion request is invalid.',
            toFieldProblems(validate.errors),
          );
        assertStorableBody(body);
        const { runId, stepId, ...completion } = body as CompletionBody & { runId: string; stepId: string };
        const result = await commands.completeStep(runId, stepId, completion, 'nats-worker', runId);
        const { duplicate, seq: _seq, ...data } = result.answer;
        return { status: 200, body: { data, meta: { eventSeq: result.eventSeq, duplicate } } };
      } catch (caught) {
        const problem = toProblem(caught, subject);
        if (problem.status >= 500) log.error({ err: caught }, 'completion over NATS failed');
        return { status: problem.status, body: problem };
      }
    },
    { maxConcurrent, busy },
  );
}
