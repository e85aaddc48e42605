/** `POST /workflow-runs/:runId/rerun` body: every field overrides the original run's. */
export const rerunBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    parameters: {
      type: 'object',
      description:
        "Deep-merged over the original run's parameters (then over the workflow's defaultParameters); checked against the current parametersSchema.",
    },
    partitionKey: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: "Default: the original run's partition key (validated against the current definition).",
    },
    runKey: {
      type: 'string',
      minLength: 1,
      maxLength: 120,
      pattern: '^\\s*[A-Za-z0-9_.:-]+\\s*$',
      description: "Not inherited (the original's may still be active); at most one active run per run key.",
    },
    triggeredBy: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export interface RerunBody {
  parameters?: Record<string, unknown>;
  partitionKey?: string;
  runKey?: string;
  triggeredBy?: string;
}
