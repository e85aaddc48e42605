// The layers of STYLE.md §1 and §11 as dependency-cruiser rules (`npm run depcruise`, part of `npm run check` and CI).
// Type-only imports count. A violation names its rule. `process.env` only in src/config is an ESLint rule
// (eslint.config.js, process-env-only-in-config), since it is a property access, not an import.
//
// Layers, lowest first:
//   domain model  pure code: deciders, sagas, *.events.ts, freshness, src/domain, src/partitions, the state folds
//   infrastructure src/config, src/validation (the named validation policies), src/observability, src/events
//                  (event store, runners: the only NATS code), src/db
//   read models   projections/ (table types, projections, queries): event types, the domain model and kysely
//   contexts      src/assets, src/runs, … (services, consumers, controllers)
//   composition   src/main.ts, src/app.module.ts, src/runtime, src/docs, src/cli
// Outside the layers: migrations/ (frozen, kysely only), test/ and bench/ (which talk to NATS and Postgres directly).

/** Pure modules that projections fold with besides the event types (each imports no framework, see below). */
const DOMAIN_MODEL = [
  '^src/assets/asset-declarations\\.ts$',
  '^src/assets/partition-position\\.ts$',
  '^src/backfills/backfill-signals\\.ts$',
  '^src/domain/snapshot-codec\\.ts$',
  '^src/materializer/saga-state\\.ts$',
  '^src/materializer/state/materializer\\.snapshots\\.ts$',
  '^src/partitions/',
  '^src/runs/run-graph\\.ts$',
  '^src/runs/run-snapshot\\.ts$',
  '^src/runs/run-state\\.ts$',
  '^src/workflows/workflow-definition\\.ts$',
];
const PURE = ['\\.(decider|saga|events)\\.ts$', '/freshness/', '^src/domain/', ...DOMAIN_MODEL];
const SPEC = '\\.spec\\.ts$';
const FRAMEWORK = '^node_modules/(@nestjs|@nats-io|@fastify|fastify|pg|kysely|pino|prom-client)/';
const APP_CODE = '^(src|projections|examples|deploy)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'STYLE §11: no import cycles (move the shared type or constant into a file of its own).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'nats-only-in-events',
      comment:
        'STYLE §3, §11: only the event store and runners (src/events) and the client (src/client) import @nats-io.',
      severity: 'error',
      // examples/workers/ are standalone workers in other processes: they speak NATS by design.
      from: { path: APP_CODE, pathNot: ['^src/(events|client)/', '^examples/workers/'] },
      to: { path: '^node_modules/@nats-io/' },
    },
    {
      name: 'nats-context-private-to-events',
      comment:
        'Issue 19: the raw NATS connection (src/events/nats-context.ts) stays inside src/events, which hands out ' +
        'narrow ports instead (src/events/event-ports.ts: readiness, lease status, stream consumers, the event ' +
        'store, completions, queues). The composition root needs no exception: openEventPorts opens the connection ' +
        'for it. Tests reach the connection through test/support (natsBehind), which this rule does not cover.',
      severity: 'error',
      from: { path: APP_CODE, pathNot: '^src/events/' },
      to: { path: '^src/events/nats-context\\.ts$' },
    },
    {
      name: 'projections-import-only-events-and-kysely',
      comment:
        'STYLE §5, §11: a read model imports kysely, event types (src/events/envelope.ts, *.events.ts), the ' +
        "runner's handler contract (src/events/stream-consumer.ts) and the pure domain model; never src/db, " +
        'services, NATS or HTTP.',
      severity: 'error',
      from: { path: '^projections/', pathNot: SPEC },
      to: {
        pathNot: [
          '^projections/',
          '^node_modules/kysely/',
          '^src/events/(envelope|stream-consumer)\\.ts$',
          '^src/[^/]+/.*\\.events\\.ts$',
          ...DOMAIN_MODEL,
        ],
      },
    },
    {
      name: 'migrations-import-only-kysely',
      comment: 'STYLE §8: migrations are frozen in time: they import kysely and nothing of src/ or projections/.',
      severity: 'error',
      from: { path: '^migrations/' },
      to: { pathNot: ['^migrations/', '^node_modules/kysely/'] },
    },
    {
      name: 'deciders-import-no-framework',
      comment:
        'STYLE §4, §6: deciders, sagas, event types and the domain model are pure: no Nest, NATS, Postgres, ' +
        'Fastify, logging or metrics, and nothing of the infrastructure or composition layers but the envelope.',
      severity: 'error',
      from: { path: PURE, pathNot: SPEC },
      to: {
        path: [
          FRAMEWORK,
          '^src/(config|db|http|observability|projector|runtime|docs|cli)/',
          '^src/events/(?!(envelope|subjects|event-schemas)\\.ts$)',
          '^src/(app\\.module|main)\\.ts$',
          '\\.(module|service|controller|consumer|store|runtime)\\.ts$',
          '^projections/',
        ],
      },
    },
    {
      name: 'infrastructure-imports-no-higher-layer',
      comment:
        'STYLE §1: config, observability, the event store and the database factory sit below the contexts: they ' +
        'import each other, the table types (projections/database.ts) and migrations (src/db), never a context.',
      severity: 'error',
      from: { path: '^src/(config|validation|observability|domain|events|db)/', pathNot: SPEC },
      to: {
        path: ['^src/', '^projections/', '^migrations/'],
        pathNot: [
          '^src/(config|validation|observability|domain|events|db)/',
          '^projections/database\\.ts$',
          '^projections/checkpoint\\.table\\.ts$',
          '^migrations/',
        ],
      },
    },
    {
      name: 'config-imports-nothing-of-the-app',
      comment:
        'STYLE §9: configuration is the bottom layer: loadConfig is pure and imports no other module of the app ' +
        'but the validation policies it validates the environment with.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: ['^src/', '^projections/'], pathNot: ['^src/config/', '^src/validation/'] },
    },
    {
      name: 'validation-imports-nothing-of-the-app',
      comment:
        'The validation policies (src/validation) sit below configuration: every layer validates with them, ' +
        'they import only ajv.',
      severity: 'error',
      from: { path: '^src/validation/' },
      to: { path: ['^src/', '^projections/'], pathNot: '^src/validation/' },
    },
    {
      name: 'only-composition-imports-the-app-module',
      comment:
        'STYLE §1: the composition root (src/app.module.ts, src/main.ts, src/runtime/{create-app,supervisor}.ts) ' +
        'is imported only by the composition layer (src/runtime, src/docs, src/cli, main.ts) and by tests.',
      severity: 'error',
      from: { path: APP_CODE, pathNot: ['^src/(runtime|docs|cli)/', '^src/main\\.ts$', SPEC] },
      to: { path: ['^src/(app\\.module|main)\\.ts$', '^src/runtime/(create-app|supervisor)\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|web|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
