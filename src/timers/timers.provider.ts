import type { Provider } from '@nestjs/common';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { TimerService } from './timer-service.js';

/** DI token of the process's `TimerService`. */
export const TIMERS = Symbol('TIMERS');

export const timersProvider: Provider = {
  provide: TIMERS,
  inject: [PLATFORM],
  useFactory: (platform: Platform) => new TimerService(platform.nats, platform.log.child({ component: 'timers' })),
};
