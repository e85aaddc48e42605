import { Module } from '@nestjs/common';
import { EventFeed } from '../events/event-feed.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { LiveEventsController } from './events.controller.js';
import { LiveStreams } from './live-streams.js';

/** Live domain events for browsers and other HTTP clients (`GET /events`, server-sent events). */
@Module({
  controllers: [LiveEventsController],
  providers: [
    { provide: EventFeed, useFactory: (platform: Platform) => platform.feed, inject: [PLATFORM] },
    LiveStreams,
  ],
})
export class LiveModule {}
