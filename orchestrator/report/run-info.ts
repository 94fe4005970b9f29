// results/<run>/run.json: what the orchestrator knew about a run beside the reports. Its schema, as
// TypeScript so that the `RunInfo` type is derived from it (json-schema-to-ts), as summary.json's
// is (summary.schema.ts): the schema and the type cannot drift apart. run.schema.json, published
// for editors and other tools, is this object written out (`npm run schemas`); run-info.test.ts
// keeps them equal and checks a run.json against it. Its own module, so that the report's parts
// (summarise, render, write) and the runtimes that fill it depend on it and not on each other.
// Fields added since the first runs are optional: `testbed report` and `testbed compare` read the
// run.json of older runs as it is.
import type { FromSchema } from 'json-schema-to-ts';
import { hostLoadInfoSchema } from '../analysis/host-load.ts';
import { SIM_MODELS } from '../config/sim-model.ts';

export const runInfoSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://p2p-music-testbed/run.schema.json',
  title: 'run.json of a testbed run (results/<run-id>/run.json): what the orchestrator knew about the run, beside the reports',
  type: 'object',
  additionalProperties: false,
  required: ['experiment', 'runId', 'seed', 'timeScale', 'peers', 'topology', 'durationMs', 'repetitions', 'gitCommit', 'images', 'netem', 'notes', 'linkCheck', 'workload', 'startedAt'],
  properties: {
    experiment: { type: 'string' },
    runId: { type: 'string' },
    seed: { type: 'integer' },
    runtime: {
      // config/experiment.ts RUNTIMES (run-info.test.ts keeps the two equal)
      enum: ['docker', 'sim', 'local'],
      description: 'where it ran (absent in runs made before the simulated runtime: docker)',
    },
    timeScale: { type: 'number', exclusiveMinimum: 0 },
    peers: { type: 'integer', minimum: 0 },
    topology: { type: 'string' },
    durationMs: { type: 'number', minimum: 0 },
    repetitions: { type: 'integer', minimum: 1 },
    gitCommit: { type: 'string' },
    images: { type: 'object', additionalProperties: { type: 'string' }, description: 'image role → the image it ran' },
    netem: { type: 'boolean' },
    notes: { type: 'array', items: { type: 'string' } },
    linkCheck: { type: 'array', description: 'configured against measured rates on a sample of peers (orchestrator/linkcheck/linkcheck.ts LinkCheck; Docker runs only)' },
    workload: {
      type: 'object',
      description: "the workload of the run's repetitions (experiment/workload.ts): empty until the first is made",
      properties: {
        kind: { type: 'string' },
        users: { type: 'integer', minimum: 0 },
        tracks: { type: 'integer', minimum: 0 },
        sessions: { type: 'integer', minimum: 0 },
        plays: { type: 'integer', minimum: 0 },
        playsScheduled: { type: 'integer', minimum: 0, description: 'what the scripts hold, pre-roll included: the plays the run must account for' },
        startMs: { type: 'number', minimum: 0, description: "the run's 0 in the replayed week (workload ms after Monday 00:00 UTC)" },
        preRollMs: { type: 'number', minimum: 0, description: "the raw reports' first preRollMs are the pre-roll's, left out of the analysis" },
        zipfExponent: { type: 'number' },
      },
    },
    interrupted: { type: 'boolean' },
    clientsWithoutExit: {
      type: 'array',
      items: { type: 'string' },
      description: 'peers whose program ended without its exit record: died, or stopped at the deadline',
    },
    hostLoad: hostLoadInfoSchema,
    variant: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'text', 'protocol', 'faults'],
      description: 'the protocol variant that ran (core/policies.ts) and its faults; absent in runs before variants existed',
      properties: {
        name: { type: 'string' },
        text: { type: 'string' },
        protocol: { description: "the variant's policies, features and params as the experiment gives them" },
        faults: { type: 'array' },
      },
    },
    warmup: {
      type: 'object',
      additionalProperties: false,
      required: ['days', 'rule', 'plays', 'wallSeconds', 'dailyCacheShare'],
      description: "the warm state the simulated peers started from (orchestrator/workload/warmup.ts): days of history, the rule that chose them, and the cache's share of plays on each day of it",
      properties: {
        days: { type: 'integer', minimum: 0 },
        rule: { type: 'string' },
        plays: { type: 'integer', minimum: 0 },
        wallSeconds: { type: 'number', minimum: 0 },
        dailyCacheShare: { type: 'array', items: { type: 'number', minimum: 0, maximum: 100 }, description: 'per day of the history, the percentage of plays the cache served' },
      },
    },
    sim: {
      type: 'object',
      additionalProperties: false,
      required: ['events', 'wallSeconds', 'eventsPerSecond', 'heapUsedMB'],
      description: "the simulated runtime's cost (the last repetition's)",
      properties: {
        model: {
          type: 'object',
          additionalProperties: false,
          description: "the simulation's model of each part (config/sim-model.ts); runs made before a part had models lack it",
          properties: {
            keepalives: { enum: SIM_MODELS.keepalives },
            serverData: { enum: SIM_MODELS.serverData },
            peerData: { enum: SIM_MODELS.peerData },
            search: { enum: SIM_MODELS.search },
          },
        },
        events: { type: 'integer', minimum: 0 },
        wallSeconds: { type: 'number', minimum: 0 },
        eventsPerSecond: { type: 'number', minimum: 0 },
        heapUsedMB: { type: 'number', minimum: 0 },
        messages: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, description: 'messages delivered, by type' },
      },
    },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
  },
} as const;

/** What the orchestrator knew about the run, beside the reports (results/<run>/run.json). */
export type RunInfo = FromSchema<typeof runInfoSchema>;
