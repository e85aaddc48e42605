/**
 * The consumers' store: every statement on a stream consumer's position (`projection_checkpoint`) and its dead
 * letters (`projection_dead_letter`, `dead_letter_discard`). Runners, the projector, health, rebuilds and the operator
 * tools all go through it; an ESLint rule (`consumer-tables-only-in-the-consumer-store`) keeps the table names here.
 */
export * from './checkpoints.js';
export * from './checkpoint-positions.js';
export * from './dead-letters.js';
