import { assetEventSchemas } from './assets/asset.events.js';
import { backfillEventSchemas } from './backfills/backfill.events.js';
import type { EventSchema } from './events/event-schemas.js';
import { materializerEventSchemas } from './materializer/materializer.event-schemas.js';
import { runEventSchemas } from './runs/run.events.js';
import { workflowEventSchemas } from './workflows/workflow.events.js';

/** Every event type the log may hold, with its data schema. A type missing here cannot be appended or read. */
export const eventCatalog: EventSchema[] = [
  ...workflowEventSchemas,
  ...runEventSchemas,
  ...assetEventSchemas,
  ...materializerEventSchemas,
  ...backfillEventSchemas,
];
