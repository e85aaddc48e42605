import type { Provider } from '@nestjs/common';
import type { TimerQueue } from '../events/timer-queue.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';

/** DI token of the process's `TimerQueue`. */
export const TIMERS = Symbol('TIMERS');

export const timersProvider: Provider = {
  provide: TIMERS,
  inject: [PLATFORM],
  useFactory: (platform: Platform): TimerQueue =>
    platform.events.timers(platform.log.child({ component: 'timers' }), platform.config.maxConcurrentTimers),
};
