import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AcceptQueryToken } from '../auth/auth.guard.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { ANONYMOUS, type Actor } from '../auth/operator-tokens.js';
import { EventFeed, type FeedSubscription } from '../events/event-feed.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { LOGGER } from '../runtime/tokens.js';
import { liveEventsQuerySchema, type LiveEventsQuery } from './events.http-schemas.js';
import { LiveStreams } from './live-streams.js';
import { SseStream } from './sse-stream.js';
import { fullSubjectFilter, subjectFilterProblem } from './subject-filter.js';

const DESCRIPTION = `Server-sent events (text/event-stream) of the domain events in <PREFIX>_EVENTS, in stream order.
Each event: \`id:\` = stream sequence, \`event:\` = event type (asset.produced, asset.expired, asset.stale.marked,
workflow.run.succeeded, materializer.trigger.enqueued, …), \`data:\` = the event envelope as JSON.
The first event is \`ready\` whose id is the position the stream starts after, so a reconnecting EventSource
sends it back as Last-Event-ID even when no event matched yet. \`Last-Event-ID\` (header, or the \`lastEventId\`
query parameter) resumes exactly after that sequence: nothing is missed, nothing repeated. Without it the stream
starts with the next event. All streams of a process share one NATS consumer and the last 10,000 events, so an open
stream costs no server-side state; a client that falls 10,000 events behind is disconnected and resumes with
Last-Event-ID (from further back than the shared events, it gets a consumer of its own). Comments (\`: keep-alive\`) are sent every 15 s. Streams take no request slot; past
APPHUB_MAX_EVENT_STREAMS open streams (or APPHUB_MAX_EVENT_STREAMS_PER_CLIENT per token or address) the answer is
503 \`event_streams_exhausted\` with Retry-After. Reads are open unless
APPHUB_READ_AUTH=required; then send the token as a Bearer header or, for EventSource, \`access_token\`.`;

/** `GET /events`: live domain events as server-sent events (DESIGN §11). */
@ApiTags('events')
@Controller('events')
export class LiveEventsController {
  constructor(
    @Inject(EventFeed) private readonly feed: EventFeed,
    @Inject(LiveStreams) private readonly streams: LiveStreams,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  @AcceptQueryToken()
  @ApiOperation({
    summary: 'Live domain events as server-sent events; Last-Event-ID resumes',
    description: DESCRIPTION,
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'subjects', required: false, schema: liveEventsQuerySchema.properties.subjects })
  @ApiQuery({ name: 'lastEventId', required: false, schema: liveEventsQuerySchema.properties.lastEventId })
  @ApiQuery({ name: 'access_token', required: false, schema: liveEventsQuerySchema.properties.access_token })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this stream sequence.' })
  @ApiOkResponse({
    description: 'An endless text/event-stream.',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  async stream(
    @Query(new SchemaPipe(liveEventsQuerySchema, 'query')) query: LiveEventsQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const problem = subjectFilterProblem(query.subjects);
    if (problem) {
      throw new ValidationError('invalid_query', `The subjects filter is invalid: ${problem.message}.`, [
        { path: '/subjects', message: problem.message },
      ]);
    }
    const resumeAfter = parseLastEventId(lastEventIdHeader ?? query.lastEventId);
    // The place is taken before anything is opened, so concurrent opens cannot overshoot the cap.
    const place = this.streams.reserve(clientOf(request));
    const gone = whenGone(request, reply);
    let subscription: FeedSubscription;
    let after: number;
    try {
      const start = await this.feed.startPosition(resumeAfter);
      if ('beyond' in start) {
        throw new DomainError(
          'invalid_last_event_id',
          `Last-Event-ID ${resumeAfter} is beyond the stream's last sequence ${start.beyond}; reconnect without it.`,
          { lastSeq: start.beyond },
        );
      }
      after = start.after;
      const filter = fullSubjectFilter(this.feed.subjectPrefix.slice(0, -1), query.subjects);
      subscription = await this.feed.open(filter, after + 1, gone.signal);
    } catch (error) {
      place.release();
      gone.dispose();
      // The client left while the stream was being opened: the feed left nothing behind, nobody to answer.
      if (gone.signal.aborted) return;
      throw error;
    }
    reply.hijack();
    const sse = new SseStream(reply.raw, { 'x-request-id': String(request.id) });
    place.attach(sse);
    sse.onClose(() => {
      gone.dispose();
      void subscription.stop().catch(() => undefined);
    });
    const log = this.log.child({ component: 'live-events', reqId: request.id, subjects: query.subjects });
    try {
      await sse.send({
        id: after,
        event: 'ready',
        data: JSON.stringify({ lastEventId: after, subjects: query.subjects }),
      });
      for await (const event of subscription) {
        if (!(await sse.send({ id: event.seq, event: event.type, data: event.json }))) break;
      }
    } catch (error) {
      // The client reconnects with Last-Event-ID and misses nothing; the cause goes to the log.
      if (!sse.isClosed) log.warn({ err: error }, 'live event stream failed');
    } finally {
      await subscription.stop().catch(() => undefined);
      sse.end();
    }
  }
}

/** Whose streams count together against `APPHUB_MAX_EVENT_STREAMS_PER_CLIENT`: a token's subject, else the address. */
function clientOf(request: FastifyRequest): string {
  const actor = (request as FastifyRequest & { actor?: Actor }).actor;
  return actor && actor !== ANONYMOUS ? `token:${actor.subject}` : `address:${request.ip}`;
}

/** An AbortSignal that fires when the client's connection closes (already closed: aborted at once). */
function whenGone(request: FastifyRequest, reply: FastifyReply): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error('the client closed the connection'));
  reply.raw.once('close', abort);
  if (reply.raw.destroyed || request.raw.socket?.destroyed === true) abort();
  return { signal: controller.signal, dispose: () => void reply.raw.off('close', abort) };
}

function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (!/^[0-9]{1,15}$/.test(trimmed)) {
    throw new ValidationError('invalid_request', 'Last-Event-ID must be a stream sequence (a non-negative integer).', [
      { path: 'header/last-event-id', message: 'must be a non-negative integer' },
    ]);
  }
  return Number(trimmed);
}
