// The schema of results/<run>/summary.json, as TypeScript so that the `Summary` type is derived
// from it (json-schema-to-ts): the schema and the type cannot drift apart. summary.schema.json,
// published for editors and other tools, is this object written out; a unit test keeps them equal.
import type { FromSchema } from 'json-schema-to-ts';

export const summarySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://p2p-music-testbed/summary.schema.json',
  title: 'summary.json of a testbed run (results/<run-id>/summary.json)',
  type: 'object',
  required: ['experiment', 'runId', 'seed', 'timeScale', 'peers', 'plays', 'bytes', 'shares', 'latencyMs', 'stutterRate', 'discovery', 'nat', 'linkCheck'],
  definitions: {
    faultWindow: {
      type: 'object',
      additionalProperties: false,
      required: ['searches', 'tracker', 'overlay', 'p2pShare', 'plays'],
      properties: {
        searches: { type: 'integer', minimum: 0 },
        tracker: { $ref: '#/definitions/fraction' },
        overlay: { $ref: '#/definitions/fraction' },
        p2pShare: { $ref: '#/definitions/fraction' },
        plays: { type: 'integer', minimum: 0 },
      },
    },
    fraction: {
      type: 'number',
      minimum: 0,
      maximum: 1,
    },
    shares: {
      type: 'object',
      required: ['server', 'p2p', 'cache'],
      properties: {
        server: {
          $ref: '#/definitions/fraction',
        },
        p2p: {
          $ref: '#/definitions/fraction',
        },
        cache: {
          $ref: '#/definitions/fraction',
        },
      },
    },
    ms: {
      type: ['number', 'null'],
    },
    delay: {
      type: 'object',
      additionalProperties: false,
      required: ['realMs', 'workloadMs'],
      description: 'real ms, and the workload ms they make at the time scale (real ms × the scale)',
      properties: {
        realMs: { type: 'number', minimum: 0 },
        workloadMs: { type: 'number', minimum: 0 },
      },
    },
    programLoad: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'role', 'repetition', 'slipP99', 'slipMax', 'loopDelayP99', 'loopDelayMax'],
      description: "one program's host-load figures over its life from the workload's start",
      properties: {
        name: { type: 'string', description: "the peer's or the data centre's name" },
        role: { enum: ['client', 'dc'] },
        repetition: { type: 'string', description: "the repetition's run id" },
        slipP99: { $ref: '#/definitions/delay' },
        slipMax: { $ref: '#/definitions/delay' },
        loopDelayP99: { $ref: '#/definitions/delay' },
        loopDelayMax: { $ref: '#/definitions/delay' },
      },
    },
  },
  properties: {
    experiment: {
      type: 'string',
    },
    runId: {
      type: 'string',
    },
    seed: {
      type: 'integer',
    },
    timeScale: {
      type: 'number',
      exclusiveMinimum: 0,
    },
    peers: {
      type: 'integer',
      minimum: 0,
    },
    topology: {
      type: 'string',
    },
    durationHours: {
      type: 'number',
    },
    repetitions: {
      type: 'integer',
      minimum: 1,
    },
    interrupted: {
      type: 'boolean',
    },
    plays: {
      type: 'integer',
      minimum: 0,
    },
    bytes: {
      type: 'object',
      required: ['server', 'p2p', 'cache', 'total'],
      properties: {
        server: {
          type: 'number',
        },
        p2p: {
          type: 'number',
        },
        cache: {
          type: 'number',
        },
        total: {
          type: 'number',
        },
      },
    },
    shares: {
      $ref: '#/definitions/shares',
      description: 'fractions of played bytes by source',
    },
    byDataCentre: {
      type: 'object',
      additionalProperties: {
        $ref: '#/definitions/shares',
      },
    },
    latencyMs: {
      type: 'object',
      required: ['p50', 'p75', 'p90', 'scaled'],
      description: 'real ms from play request to first audio; scaled=true when measured under a time scale other than 1',
      properties: {
        p50: {
          $ref: '#/definitions/ms',
        },
        p75: {
          $ref: '#/definitions/ms',
        },
        p90: {
          $ref: '#/definitions/ms',
        },
        scaled: {
          type: 'boolean',
        },
        note: {
          type: 'string',
        },
      },
    },
    stutterRate: {
      type: 'number',
      minimum: 0,
      description: 'buffer underruns per play',
    },
    integrityFailures: {
      type: 'integer',
      minimum: 0,
    },
    playsNeverStarted: {
      type: 'integer',
      minimum: 0,
      description: 'plays that ended before any audio was playable',
    },
    playsBeforeLogin: {
      type: 'integer',
      minimum: 0,
      description: "of those, plays requested before the client's first login answer (excluded from byDataCentre)",
    },
    reportsLost: {
      type: 'integer',
    },
    rawLinesSkipped: {
      type: 'integer',
      minimum: 0,
      description: 'lines of raw/*/reports.jsonl skipped as torn (not JSON) or malformed (not a report)',
    },
    playAccounting: {
      type: 'object',
      additionalProperties: false,
      description:
        'every play the scripts scheduled (raw/scheduled-plays.jsonl), pre-roll included: reported, or not played for a stated reason; unaccounted > 0 or surplus > 0 makes the run not valid (absent for runs before the scripts were recorded)',
      required: ['scheduled', 'inWindow', 'reported', 'notPlayed', 'unaccounted', 'surplus', 'missing'],
      properties: {
        scheduled: { type: 'integer', minimum: 0 },
        inWindow: { type: 'integer', minimum: 0, description: 'of the scheduled plays, those in the measured window (after the pre-roll)' },
        reported: { type: 'integer', minimum: 0, description: 'play reports stored, pre-roll included' },
        notPlayed: {
          type: 'object',
          additionalProperties: false,
          required: ['noUser', 'offline', 'notReached', 'noExit'],
          properties: {
            noUser: { type: 'integer', minimum: 0, description: 'asked for with no user logged in' },
            offline: { type: 'integer', minimum: 0, description: 'asked for while the machine was offline (churn)' },
            notReached: { type: 'integer', minimum: 0, description: "the program exited before its script reached them (its exit record's count)" },
            noExit: { type: 'integer', minimum: 0, description: 'the shortfall of machines whose program ended without its exit record' },
          },
        },
        unaccounted: { type: 'integer', minimum: 0, description: 'scheduled plays neither reported nor counted with a reason' },
        surplus: { type: 'integer', minimum: 0, description: 'plays reported or counted beyond what the scripts scheduled' },
        missing: {
          type: 'array',
          description: 'machines with unaccounted plays, most first (at most 10), with some of their plays that no play report matches',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['machine', 'plays', 'unreported'],
            properties: {
              machine: { type: 'string' },
              plays: { type: 'integer', minimum: 1 },
              unreported: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['t', 'track'],
                  properties: { t: { type: 'number', description: 'workload ms of the run, pre-roll included' }, track: { type: 'integer' } },
                },
              },
            },
          },
        },
      },
    },
    discovery: {
      type: 'object',
      required: ['tracker', 'overlay', 'overlayD1', 'overlayD2'],
      properties: {
        searches: {
          type: 'integer',
        },
        tracker: {
          $ref: '#/definitions/fraction',
        },
        overlay: {
          $ref: '#/definitions/fraction',
        },
        overlayD1: {
          $ref: '#/definitions/fraction',
        },
        overlayD2: {
          $ref: '#/definitions/fraction',
        },
      },
    },
    noNeighbourShare: {
      $ref: '#/definitions/fraction',
    },
    online: {
      type: 'object',
      description: "clients logged in at once (mobile ones included): the mean over the run's workload time, per repetition, and the peak within it (only for a run of one repetition)",
      required: ['mean'],
      additionalProperties: false,
      properties: {
        mean: { type: 'number', minimum: 0 },
        peak: { type: 'integer', minimum: 0 },
      },
    },
    nat: {
      type: 'object',
      description: "per country: fractions of the addresses seen by the servers (the paper's Table II)",
      additionalProperties: {
        type: 'object',
        required: ['noNat', 'upnpWorked', 'upnpMismatch', 'upnpPrivate'],
        properties: {
          noNat: {
            $ref: '#/definitions/fraction',
          },
          upnpWorked: {
            $ref: '#/definitions/fraction',
          },
          upnpMismatch: {
            $ref: '#/definitions/fraction',
          },
          upnpPrivate: {
            $ref: '#/definitions/fraction',
          },
          addresses: {
            type: 'integer',
          },
        },
      },
    },
    linkCheck: {
      type: 'array',
      description: 'configured against measured rates on a sample of peers',
      items: {
        type: 'object',
        required: ['container', 'configured', 'measured'],
      },
    },
    netem: {
      type: 'boolean',
    },
    notes: {
      type: 'array',
      items: {
        type: 'string',
      },
    },
    faults: {
      type: 'array',
      description: 'per fault of the variant: reports made during it (late, for a dc-outage) and discovery and peer share during it and outside it',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'atMs', 'forMs', 'reportsDuring', 'during', 'outside'],
        properties: {
          kind: { enum: ['tracker-outage', 'dc-outage', 'churn', 'link-cut', 'link-rate', 'router-restart'] },
          dc: { type: 'string' },
          atMs: { type: 'number' },
          forMs: { type: 'number' },
          reportsDuring: { type: 'integer', minimum: 0 },
          during: { $ref: '#/definitions/faultWindow' },
          outside: { $ref: '#/definitions/faultWindow' },
        },
      },
    },
    valid: { type: 'boolean', description: 'false when the run cannot be trusted as it is: see problems' },
    problems: {
      type: 'array',
      items: { type: 'string' },
      description: 'why the run is not valid: clients that died, reports lost, bytes that differ from the server, nothing played, a host that did not keep up with the time scale',
    },
    hostLoad: {
      type: 'object',
      additionalProperties: false,
      required: ['clients', 'dataCentres', 'slipP99', 'worst', 'worstLoopDelay', 'limit', 'largestScale', 'holds', 'worstHolds', 'scaleDistorts'],
      description:
        "how late the programs' own timers fired against when they were due (timer slip) and how long a timer waited for their event loops (event-loop delay), as each program measured them from the workload's start (node-image/adapters/host-load.ts), in real ms and in workload time; the run's p99 slip or a data centre's p99 event-loop delay beyond `limit` makes the run not valid (docs/time-scale.md, \"An overloaded host\"). Absent where no program measured them: the simulated runtime, whose clock does not slip, and runs before 2026-12-07",
      properties: {
        clients: { type: 'integer', minimum: 0, description: 'client programs whose figures these are (over the repetitions)' },
        dataCentres: { type: 'integer', minimum: 0, description: 'data-centre programs whose figures these are' },
        slipP99: { $ref: '#/definitions/delay', description: "the p99 of every timer firing of every program, pooled: the rule's first figure" },
        worst: { $ref: '#/definitions/programLoad', description: 'the program with the largest p99 timer slip of its own' },
        worstDataCentre: { $ref: '#/definitions/programLoad', description: "the data centre with the largest p99 event-loop delay: the rule's second figure" },
        worstLoopDelay: { $ref: '#/definitions/programLoad', description: 'the program with the largest p99 event-loop delay' },
        limit: {
          type: ['object', 'null'],
          additionalProperties: false,
          required: ['parameter', 'workloadMs', 'realMs'],
          description:
            "the shortest window, in workload time, within which a player must act on its buffer (the variant's emergency window, else its server head's or prefetch's), and what it is in real ms at the scale; null if the variant has none",
          properties: {
            parameter: { type: 'string' },
            workloadMs: { type: 'number', minimum: 0 },
            realMs: { type: 'number', minimum: 0 },
          },
        },
        largestScale: {
          type: ['integer', 'null'],
          minimum: 0,
          description:
            "limit.workloadMs over the larger of the rule's figures in real ms, rounded down: the largest time scale at which they stay within the limit at the same real delay (a lower scale also lightens the host's work, so it is a scale that holds, not the last one). null without a limit or a delay",
        },
        holds: { type: 'boolean', description: "both of the rule's figures, in workload time, are within the limit; false makes the run not valid" },
        worstHolds: { type: 'boolean', description: "the worst program's own p99 slip is within the limit too; false alone is a warning in report.md, not a problem" },
        scaleDistorts: {
          type: 'boolean',
          description:
            'the time scale alone already puts the figures a late player moves (stutters per play, plays never started) beyond their tolerance (orchestrator/analysis/time-scale.ts MEASURED): a slip beyond the limit is then a warning, not a problem, unless it is beyond the ceiling too',
        },
        ceiling: {
          type: ['object', 'null'],
          additionalProperties: false,
          required: ['parameter', 'workloadMs', 'realMs'],
          description:
            "the audio the server keeps ahead of a play (the variant's serverAheadSec), in workload time and in real ms at the scale: a slip beyond it starves players that acted in time, so the run is not valid at any scale; null if the variant keeps none",
          properties: {
            parameter: { type: 'string' },
            workloadMs: { type: 'number', minimum: 0 },
            realMs: { type: 'number', minimum: 0 },
          },
        },
        beyondCeiling: { type: 'boolean', description: "the rule's figures, in workload time, exceed the ceiling; true makes the run not valid at any scale" },
      },
    },
    gitCommit: {
      type: 'string',
    },
    variant: {
      type: 'object',
      required: ['name', 'text'],
      description: "the protocol variant that ran (experiments' protocol/variants)",
      properties: {
        name: {
          type: 'string',
        },
        text: {
          type: 'string',
        },
      },
    },
    images: {
      type: 'object',
    },
  },
} as const;

export type Summary = FromSchema<typeof summarySchema>;
