// Experiments with protocol variants and faults: what they resolve to, and the errors that name
// the line and the valid values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentSchema, loadExperiment } from './experiment.ts';
import { MESSAGE_MODEL, SIM_MODELS } from './sim-model.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-exp-cfg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const HEAD = 'name: t\ntopology: small\nduration: 12h\ntimeScale: 600\nworkload: { synthetic: {} }\n';

describe('experiment protocol, variants and faults', () => {
  it("without variants runs one: the base, the paper's protocol", () => {
    const e = loadExperiment(write('plain.yaml', HEAD));
    expect(e.variants.map((v) => v.name)).toEqual(['base']);
    expect(e.variants[0].text).toMatch(/peer choice edt, pruning paper, tracker recent, discovery tracker\+overlay/);
    expect(e.faults).toEqual([]);
  });

  it("takes the synthetic workload's playlists key by key and its home share, the rest at their defaults", () => {
    const e = loadExperiment(write('playlists.yaml', HEAD.replace('synthetic: {}', 'synthetic: { playlists: { count: 10 }, homeShare: 0.9 }')));
    if (e.workload.kind !== 'synthetic') throw new Error('a synthetic workload was written');
    expect(e.workload.params.playlists).toEqual({ count: 10, minTracks: 8, maxTracks: 19 });
    expect(e.workload.params.homeShare).toBe(0.9);
    const plain = loadExperiment(write('plain-playlists.yaml', HEAD));
    if (plain.workload.kind !== 'synthetic') throw new Error('a synthetic workload was written');
    expect(plain.workload.params.playlists).toEqual({ count: 3, minTracks: 8, maxTracks: 19 });
    expect(plain.workload.params.homeShare).toBe(0.6);
  });

  it('variants patch the base protocol key by key and inherit its faults unless they list their own', () => {
    const e = loadExperiment(
      write(
        'variants.yaml',
        `${HEAD}params: { softLimit: 40 }
protocol: { policies: { pruning: oldest } }
faults: [{ kind: tracker-outage, at: 2h, for: 1h, dc: london }]
variants:
  - name: base
  - name: tracker-only
    protocol: { policies: { discovery: tracker }, params: { searchDepth: 1 } }
  - name: no-faults
    faults: []
  - name: churny
    faults: [{ kind: churn, at: 30min, for: 10min, share: 0.25, country: SE }]
`,
      ),
    );
    const [base, tracker, none, churny] = e.variants;
    expect(base.protocol).toEqual({ policies: { pruning: 'oldest' }, features: {}, params: { softLimit: 40 } });
    expect(tracker.protocol).toEqual({ policies: { pruning: 'oldest', discovery: 'tracker' }, features: {}, params: { softLimit: 40, searchDepth: 1 } });
    expect(base.faults).toEqual([{ kind: 'tracker-outage', atMs: 7_200_000, forMs: 3_600_000, dc: 'london' }]);
    expect(tracker.faults).toEqual(base.faults);
    expect(none.faults).toEqual([]);
    expect(churny.faults).toEqual([{ kind: 'churn', atMs: 1_800_000, forMs: 600_000, share: 0.25, country: 'SE' }]);
    expect(tracker.text).toMatch(/discovery tracker \(search radius 1\); faults: tracker-outage at london from 2h for 1h/);
  });

  it('an unknown policy names the line and the valid policies', () => {
    const f = write('bad-policy.yaml', `${HEAD}variants:\n  - name: a\n  - name: b\n    protocol: { policies: { peerChoice: fastest } }\n`);
    expect(() => loadExperiment(f)).toThrow(/bad-policy\.yaml:9:\d+: .*peerChoice.*valid values: edt, random, lowest-rtt/);
  });

  it('an unknown parameter in a variant names its line', () => {
    const f = write('bad-param.yaml', `${HEAD}variants:\n  - name: a\n  - name: b\n    protocol: { params: { softLimt: 3 } }\n`);
    expect(() => loadExperiment(f)).toThrow(/bad-param\.yaml:9:\d+: variants\.1\.protocol\.params: unknown protocol parameter "softLimt"/);
  });

  it('faults outside the run, churn without a share and doubled variant names are refused', () => {
    const f = write(
      'bad-faults.yaml',
      `${HEAD}faults:
  - { kind: dc-outage, at: 13h, for: 1h }
  - { kind: churn, at: 1h, for: 1h }
  - { kind: tracker-outage, at: 1h, for: 1h, share: 0.5 }
variants: [{ name: a }, { name: a }]
`,
    );
    let msg = '';
    try {
      loadExperiment(f);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/bad-faults\.yaml:7:\d+: faults\.0\.at: 13h is not before the end of the run \(duration 12h\)/);
    expect(msg).toMatch(/faults\.1\.share: churn needs a share of peers/);
    expect(msg).toMatch(/faults\.2\.share: tracker-outage concerns a data centre; valid keys: kind, at, for, dc/);
    expect(msg).toMatch(/variants\.1\.name: "a" names two variants/);
  });

  it('a fault kind that does not exist lists the ones that do', () => {
    const f = write('bad-kind.yaml', `${HEAD}faults: [{ kind: router-reboot, at: 1h, for: 1h }]\n`);
    expect(() => loadExperiment(f)).toThrow(/faults\.0\.kind: "router-reboot" is not valid; valid values: tracker-outage, dc-outage, churn, link-cut, link-rate, router-restart/);
  });

  it('a duration that cannot be meant is refused with its range', () => {
    for (const d of ['0h', '99999999d']) {
      expect(() => loadExperiment(write(`dur-${d}.yaml`, HEAD.replace('duration: 12h', `duration: ${d}`)))).toThrow(new RegExp(`duration: ${d} is out of range; valid: more than 0 and at most 366d`));
    }
  });

  it("an inline topology's errors name the line in the experiment file", () => {
    const f = write('inline.yaml', `${HEAD}topology:\n  name: inl\n  countries:\n    SE: { peers: 2 }\n\n  links:\n    dsl: { down: 0kbit }\n`.replace('topology: small\n', ''));
    expect(() => loadExperiment(f)).toThrow(/inline\.yaml:11:18: links\.dsl\.down: 0kbit is out of range/);
  });

  it('a topology path is relative to the experiment file', () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub, { recursive: true });
    fs.copyFileSync(path.resolve(import.meta.dirname, '../../topologies/small.yaml'), path.join(sub, 'mine.yaml'));
    const e = loadExperiment(write('rel.yaml', HEAD.replace('topology: small', 'topology: sub/mine.yaml')));
    expect(e.topology.name).toBe('small');
  });
});

describe('the simulation models', () => {
  it("lists for the command line the models the schema accepts, the protocol's first and its default", () => {
    const sim = (experimentSchema as { properties: { sim: { properties: Record<string, { enum: string[]; default: string }> } } }).properties.sim.properties;
    expect(Object.keys(sim).sort()).toEqual(Object.keys(SIM_MODELS).sort());
    for (const [part, models] of Object.entries(SIM_MODELS)) {
      expect(sim[part].enum, part).toEqual(models);
      expect(sim[part].default, part).toBe(MESSAGE_MODEL[part as keyof typeof MESSAGE_MODEL]);
      expect(models[0], part).toBe(MESSAGE_MODEL[part as keyof typeof MESSAGE_MODEL]);
    }
  });
});
