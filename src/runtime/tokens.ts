/** DI tokens for the platform parts (the config token lives in `config/app-config.ts`). */
export const LOGGER = Symbol('LOGGER');
export const DB = Symbol('DB');
/** The run index over `<prefix>-runs` (provided inside RunsModule, built by the event ports). */
export const RUN_INDEX = Symbol('RUN_INDEX');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const METRICS = Symbol('METRICS');
export const PLATFORM = Symbol('PLATFORM');
