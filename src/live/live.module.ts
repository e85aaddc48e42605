import { Module } from '@nestjs/common';
import { EventFeed } from '../events/event-feed.js';
import type { NatsContext } from '../events/nats-context.js';
import { NATS } from '../runtime/tokens.js';
import { LiveEventsController } from './events.controller.js';
import { LiveStreams } from './live-streams.js';

/** Live domain events for browsers and other HTTP clients (`GET /events`, server-sent events). */
@Module({
  controllers: [LiveEventsController],
  providers: [
    { provide: EventFeed, useFactory: (nats: NatsContext) => new EventFeed(nats), inject: [NATS] },
    LiveStreams,
  ],
})
export class LiveModule {}
