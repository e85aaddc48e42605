/** DI tokens for the platform parts (the config token lives in `config/app-config.ts`). */
export const LOGGER = Symbol('LOGGER');
export const DB = Symbol('DB');
export const NATS = Symbol('NATS');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const METRICS = Symbol('METRICS');
export const PLATFORM = Symbol('PLATFORM');
