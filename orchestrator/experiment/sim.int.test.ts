// The simulated runtime end to end: an experiment file with `runtime: sim` goes through the same
// session as a Docker run (workload, variant, raw/ from the data centres' sinks, report), and the
// same seed gives the same results, byte for byte apart from the run's id and clock times.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheKey } from '../../node-image/core/cache.ts';
import { Playback } from '../../node-image/core/playback.ts';
import { resolveProtocol } from '../../node-image/core/policies.ts';
import { classifyAddresses } from '../analysis/paper.ts';
import { runMatrix } from '../compare/matrix.ts';
import { loadExperiment } from '../config/experiment.ts';
import { placePeers } from '../plan/plan.ts';
import { Progress } from '../progress/display.ts';
import type { LiveState } from '../progress/live.ts';
import { runInfoSchema } from '../report/run-info.ts';
import { readRawReports, writeReport } from '../report/write.ts';
import { defaultSynthetic } from '../workload/synthetic.ts';
import { runExperiment } from './run.ts';
import { rewriteScaling, runScaling } from './scaling.ts';
import { warmStateFor } from './sim-run.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sim-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function experimentFile(duration = '10h', extra = ''): string {
  const file = path.join(root, `sim-${Math.random().toString(36).slice(2, 8)}.yaml`);
  fs.writeFileSync(
    file,
    `name: sim-test
topology: ${path.resolve(import.meta.dirname, '../../topologies/small.yaml')}
runtime: sim
duration: ${duration}
seed: 3
${extra}workload:
  synthetic:
    tracksPerUser: 10
    sessionMinutes: 240
    sessionsPerDay: { weekday: 4, weekend: 4 }
`,
  );
  return file;
}

const run = (file: string, runId: string) => runExperiment(loadExperiment(file), { resultsRoot: root, runId, progress: new Progress(true) });

/** the run.json a run wrote, checked against its schema (report/run-info.ts) */
function runJson(dir: string): unknown {
  const info: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  expect(ajv.validate(runInfoSchema, info), ajv.errorsText()).toBe(true);
  return info;
}

/** summary.json without what differs between two runs of the same input by design */
const comparable = (dir: string) => {
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  const { runId: _r, gitCommit: _g, ...rest } = s;
  return JSON.stringify(rest);
};

describe('the simulated runtime', () => {
  it('runs an experiment into a valid report, with every NAT category and peers serving each other', async () => {
    const file = experimentFile('24h');
    const r = await run(file, 'simaa1');
    const s = r.summary as { valid: boolean; plays: number; reportsLost: number; timeScale: number; shares: { p2p: number }; nat: Record<string, Record<string, number>>; integrityFailures: number };
    expect(s.valid).toBe(true);
    expect(s.plays).toBeGreaterThan(100);
    expect(s.reportsLost).toBe(0);
    expect(s.integrityFailures).toBe(0);
    expect(s.timeScale).toBe(1);
    expect(s.shares.p2p).toBeGreaterThan(0);
    // every home the servers saw is classified as the topology placed it (Table II)
    const placed = new Map(placePeers(loadExperiment(file).topology).map((p) => [p.name, p.category]));
    const reports = readRawReports(r.dir);
    const byAddress = classifyAddresses(reports);
    const expected = { noNat: 'noNat', upnp: 'upnpWorked', mismatch: 'upnpMismatch', private: 'upnpPrivate', noUpnp: 'other' } as const;
    const logins = reports.filter((x) => x.type === 'login');
    expect(new Set(logins.map((l) => byAddress.get((l as { serverSeenAddress: string }).serverSeenAddress)?.category)).size).toBeGreaterThanOrEqual(4);
    for (const l of logins) {
      const name = l.clientId.replace(/-[0-9a-f]{8}$/, '');
      expect(byAddress.get((l as { serverSeenAddress: string }).serverSeenAddress)?.category, name).toBe(expected[placed.get(name)!]);
    }
    const connects = fs
      .readFileSync(path.join(r.dir, 'raw', 'stockholm', 'reports.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"connect"'))
      .concat(
        fs
          .readFileSync(path.join(r.dir, 'raw', 'london', 'reports.jsonl'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"type":"connect"')),
      )
      .map((l) => (JSON.parse(l) as { outcome: string }).outcome);
    // a peer behind a NAT without UPnP is reached by connection reversal through the server
    expect(connects).toContain('reversed');
    expect(connects).toContain('direct');
    const info = runJson(r.dir) as { runtime: string; sim: { events: number; messages: Record<string, number> } };
    expect(info.runtime).toBe('sim');
    expect(info.sim.events).toBeGreaterThan(0);
    // what the events went on: each message is one event where it arrives, and the overlay's
    // searches and keep-alives are among them
    const m = info.sim.messages;
    expect(Object.values(m).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(info.sim.events);
    expect(m.data).toBeGreaterThan(0);
    expect(m.search).toBeGreaterThan(0);
    // a pong answers a ping that arrived
    expect(m.pong).toBeGreaterThan(0);
    expect(m.pong).toBeLessThanOrEqual(m.ping);
    expect(fs.readFileSync(path.join(r.dir, 'report.md'), 'utf8')).toMatch(/simulated/);
  }, 120_000);

  it("leaves live.json finished with the summary's figures: the sinks it followed as it ran count what the analysis counts", async () => {
    const r = await run(experimentFile('4h'), 'simlive');
    const live = JSON.parse(fs.readFileSync(path.join(r.dir, 'live.json'), 'utf8')) as LiveState;
    const s = r.summary as { plays: number; shares: LiveState['shares']; playsNeverStarted: number; reportsLost: number; discovery: { searches: number } };
    expect(live).toMatchObject({ state: 'finished', runId: 'simlive', runtime: 'sim', workloadMs: 4 * 3_600_000, durationMs: 4 * 3_600_000, preRoll: false });
    expect(s.plays).toBeGreaterThan(0);
    expect(live.plays).toBe(s.plays);
    expect(live.shares).toEqual(s.shares);
    expect(live.playsNeverStarted).toBe(s.playsNeverStarted);
    expect(live.reportsLost).toBe(s.reportsLost);
    expect(live.search.searches).toBe(s.discovery.searches);
    expect(live.hourly.reduce((n, h) => n + h.bytes, 0)).toBe(live.bytes.server + live.bytes.p2p + live.bytes.cache);
    // nothing is left of the writes but the file itself
    expect(fs.readdirSync(r.dir).filter((f) => f.startsWith('live.json'))).toEqual(['live.json']);
  });

  it('accounts for every play its scripts held: reported, or not played while churn had the machine offline', async () => {
    const file = experimentFile('24h', 'variants:\n  - name: churn\n    faults: [{ kind: churn, at: 6h, for: 2h, share: 0.5 }]\n');
    const r = await run(file, 'simacct');
    const s = r.summary as { valid: boolean; problems: string[]; playAccounting: { scheduled: number; reported: number; notPlayed: Record<string, number>; unaccounted: number; surplus: number } };
    expect(s.problems).toEqual([]);
    expect(s.valid).toBe(true);
    const a = s.playAccounting;
    expect(a.unaccounted).toBe(0);
    expect(a.surplus).toBe(0);
    expect(a.notPlayed.offline).toBeGreaterThan(0);
    expect(a.scheduled).toBe(a.reported + Object.values(a.notPlayed).reduce((x, y) => x + y, 0));
    // the scheduled plays are the scripts', recorded apart from anything the clients said
    const info = runJson(r.dir) as { workload: { playsScheduled: number } };
    expect(info.workload.playsScheduled).toBe(a.scheduled);
    expect(fs.readFileSync(path.join(r.dir, 'report.md'), 'utf8')).toContain(`Plays scheduled ${a.scheduled} (${a.scheduled} in the measured window), reported ${a.reported}`);
    // a play report gone from the sink is a play unaccounted for, named with its machine
    const sink = path.join(r.dir, 'raw', 'stockholm', 'reports.jsonl');
    const lines = fs.readFileSync(sink, 'utf8').split('\n');
    fs.writeFileSync(sink, lines.filter((_, i) => i !== lines.findIndex((x) => x.includes('"type":"play"'))).join('\n'));
    const broken = (await writeReport(r.dir)) as typeof s;
    expect(broken.valid).toBe(false);
    expect(broken.playAccounting.unaccounted).toBe(1);
    expect(broken.problems.join('; ')).toMatch(/1 of \d+ scheduled plays are unaccounted for, .*: \S+ 1 \(plays without a report: track \d+ at/);
  });

  it('replays a trace that starts on a Saturday from its first event: plays, weekends and hours fall where the trace puts them', async () => {
    const h = 3_600_000;
    const saturday10 = 5 * 24 * h + 10 * h;
    const lines: object[] = [];
    for (let u = 0; u < 8; u++) {
      const t0 = saturday10 + u * 60_000;
      lines.push({ t: t0, user: `u${u}`, action: 'login', country: u % 2 ? 'SE' : 'GB' });
      for (let k = 0; k < 6; k++) lines.push({ t: t0 + 1000 + k * 240_000, user: `u${u}`, action: 'play', track: `hit-${k % 3}` });
      lines.push({ t: t0 + 2 * h, user: `u${u}`, action: 'logout' });
    }
    const trace = path.join(root, 'saturday.jsonl');
    fs.writeFileSync(trace, lines.map((l) => JSON.stringify(l)).join('\n'));
    const file = path.join(root, 'saturday.yaml');
    const yaml = (start: string) =>
      `name: saturday\ntopology: ${path.resolve(import.meta.dirname, '../../topologies/small.yaml')}\nruntime: sim\nduration: 3h\nworkload:\n  trace: { file: saturday.jsonl, format: native${start} }\n`;
    // from the week's Monday, three hours hold none of it: an error before anything runs, with the way out
    fs.writeFileSync(file, yaml(''));
    await expect(run(file, 'simsa0')).rejects.toThrow(/no play of the trace falls inside .*start: first-event/);
    fs.writeFileSync(file, yaml(', start: first-event'));
    const r = await run(file, 'simsa1');
    const s = r.summary as { valid: boolean; plays: number };
    expect(s.valid).toBe(true);
    expect(s.plays).toBe(48);
    const info = JSON.parse(fs.readFileSync(path.join(r.dir, 'run.json'), 'utf8')) as { workload: { startMs: number } };
    expect(info.workload.startMs).toBe(saturday10);
    // Table III counts every search on the weekend, the hourly offload starts at Saturday 10:00
    const t3 = fs.readFileSync(path.join(r.dir, 'tables', 'table3.csv'), 'utf8');
    const offload = fs
      .readFileSync(path.join(r.dir, 'tables', 'offload.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(Number(offload[0].split(',')[0])).toBe(saturday10 / h);
    const rows = t3
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.filter((r) => r[1] === 'no').map((r) => Number(r[2]))).toEqual([0, 0]);
    expect(rows.filter((r) => r[1] === 'yes').every((r) => Number(r[2]) > 0)).toBe(true);
  }, 120_000);

  it('applies a time scale as a container does: tracks k times shorter, network delays unscaled', async () => {
    const e = loadExperiment(experimentFile('6h'));
    const real = await runExperiment(e, { resultsRoot: root, runId: 'simts1', progress: new Progress(true) });
    e.timeScale = 600;
    const fast = await runExperiment(e, { resultsRoot: root, runId: 'simts6', progress: new Progress(true) });
    type S = { timeScale: number; plays: number; valid: boolean; bytes: { server: number; p2p: number; cache: number } };
    const [a, b] = [real.summary as S, fast.summary as S];
    expect([a.timeScale, b.timeScale]).toEqual([1, 600]);
    expect(b.valid).toBe(true);
    const perPlay = (s: S) => (s.bytes.server + s.bytes.p2p + s.bytes.cache) / s.plays;
    // the same scripts; a track carries 1/600 of its bytes (with a floor for the shortest ones)
    expect(b.plays).toBe(a.plays);
    expect(perPlay(a) / perPlay(b)).toBeGreaterThan(100);
    // a login's round trip is network time, the same at any scale: the first play waits for it
    const login = (dir: string) =>
      readRawReports(dir)
        .filter((r) => r.type === 'login')
        .map((r) => r.t)
        .sort((x, y) => x - y)[0];
    expect(login(fast.dir)).toBeGreaterThan(login(real.dir));
  }, 120_000);

  it('answers overlay searches by the graph walk with no search message, finding peers at both distances as the flood does', async () => {
    const found = async (search: string, id: string) => {
      const r = await run(experimentFile('24h', `sim: { search: ${search} }\n`), id);
      const s = r.summary as { valid: boolean; discovery: { searches: number; overlay: number; overlayD1: number; overlayD2: number } };
      const info = runJson(r.dir) as { sim: { model: { search: string }; messages: Record<string, number> } };
      expect(s.valid).toBe(true);
      expect(info.sim.model.search).toBe(search);
      return { ...s.discovery, queries: info.sim.messages.search ?? 0, hits: info.sim.messages.searchHit ?? 0 };
    };
    const flood = await found('flood', 'simwk1');
    const walk = await found('walk', 'simwk2');
    expect(flood.queries).toBeGreaterThan(0);
    expect(walk.queries).toBe(0);
    expect(walk.hits).toBe(0);
    // the same plays search; the walk finds peers over one hop and over two
    expect(walk.searches).toBe(flood.searches);
    expect(walk.overlayD1).toBeGreaterThan(0);
    expect(walk.overlayD2).toBeGreaterThan(0);
    // within docs/time-scale.md's tolerance for search success (5 points), on this small world too
    expect(Math.abs(walk.overlay - flood.overlay)).toBeLessThan(0.05);
  }, 240_000);

  it('asks peers for runs of chunks with peerData: runs, about half the requests for the same bytes from peers', async () => {
    const fetched = async (peerData: string, id: string) => {
      const r = await run(experimentFile('10h', `sim: { peerData: ${peerData} }\n`), id);
      const s = r.summary as { valid: boolean; plays: number; shares: { p2p: number } };
      const info = runJson(r.dir) as { sim: { model: { peerData: string }; messages: Record<string, number> } };
      expect(s.valid).toBe(true);
      expect(info.sim.model.peerData).toBe(peerData);
      return { plays: s.plays, p2p: s.shares.p2p, requests: info.sim.messages.chunkRequest ?? 0, chunks: info.sim.messages.chunk ?? 0 };
    };
    const one = await fetched('chunks', 'simpd1');
    const runs = await fetched('runs', 'simpd2');
    expect(runs.plays).toBe(one.plays);
    expect(one.requests).toBeGreaterThan(0);
    expect(runs.requests).toBeLessThan(0.7 * one.requests);
    expect(runs.chunks).toBeLessThan(0.7 * one.chunks);
    // within docs/time-scale.md's tolerance for a share (2 points), on this small world too
    expect(Math.abs(runs.p2p - one.p2p)).toBeLessThan(0.02);
  }, 240_000);

  it('gives the same summary for the same seed, and another for another seed', async () => {
    const file = experimentFile();
    const a = await run(file, 'simbb1');
    const b = await run(file, 'simbb2');
    expect(comparable(b.dir)).toBe(comparable(a.dir));
    fs.writeFileSync(path.join(root, 'other.yaml'), fs.readFileSync(file, 'utf8').replace('seed: 3', 'seed: 4'));
    const d = await run(path.join(root, 'other.yaml'), 'simbb4');
    expect(comparable(d.dir)).not.toBe(comparable(a.dir));
  }, 240_000);

  it('plays the same with the player sleeping on its grid as with a tick every 25 ms, in fewer events', async () => {
    const file = experimentFile('12h');
    const sleeping = await run(file, 'simgs1');
    const every = Playback.gridSleepTicks;
    Playback.gridSleepTicks = 1;
    let ticking: Awaited<ReturnType<typeof run>>;
    try {
      ticking = await run(file, 'simgs2');
    } finally {
      Playback.gridSleepTicks = every;
    }
    expect(comparable(sleeping.dir)).toBe(comparable(ticking.dir));
    const plays = (dir: string) => readRawReports(dir).filter((x) => x.type === 'play');
    expect(plays(sleeping.dir).length).toBeGreaterThan(100);
    expect(plays(sleeping.dir)).toEqual(plays(ticking.dir));
    const events = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { sim: { events: number } }).sim.events;
    expect(events(sleeping.dir)).toBeLessThan(events(ticking.dir));
  }, 240_000);

  it('runs the variants of a comparison: without peer assistance the servers carry every byte not in a cache', async () => {
    const file = experimentFile('8h');
    fs.appendFileSync(file, 'repetitions: 2\nvariants:\n  - name: paper\n  - name: server-only\n    protocol: { features: { p2p: false } }\n');
    const { comparison: c } = await runMatrix(loadExperiment(file), { resultsRoot: root, progress: new Progress(true) });
    expect(c.variants.map((v) => [v.name, v.runs.length])).toEqual([
      ['paper', 2],
      ['server-only', 2],
    ]);
    const p2p = c.metrics.find((m) => m.key === 'shares.p2p')!;
    expect(p2p.perVariant['server-only'].mean).toBe(0);
    expect(p2p.perVariant.paper.mean).toBeGreaterThan(0);
    expect(c.metrics.find((m) => m.key === 'shares.server')!.vsBase['server-only'].meanDiff).toBeGreaterThan(0);
  }, 240_000);

  it('starts from warm caches and trackers with warmup: the same plays, tracks the history left complete play from the cache, and run.json says how warm', async () => {
    const cold = await run(experimentFile('6h'), 'simcold');
    const warmFile = experimentFile('6h', 'warmup: 2w\n');
    const warm = await run(warmFile, 'simwarm');
    const cs = cold.summary as { plays: number; valid: boolean; shares: { cache: number } };
    const ws = warm.summary as { plays: number; valid: boolean; shares: { cache: number } };
    expect(ws.valid).toBe(true);
    expect(ws.plays).toBe(cs.plays);
    expect(ws.shares.cache).toBeGreaterThan(cs.shares.cache + 0.1);
    const info = runJson(warm.dir) as { warmup: { days: number; dailyCacheShare: number[]; rule: string } };
    expect(info.warmup.days).toBe(14);
    expect(info.warmup.dailyCacheShare).toHaveLength(14);
    expect(info.warmup.rule).toMatch(/14 days/);
    // the first play of each track on a machine: from its cache alone when the warm-up left it
    // there complete, which the same warm-up, recomputed here, says
    const e = loadExperiment(warmFile);
    const placement = placePeers(e.topology);
    const state = warmStateFor(e.topology, placement, resolveProtocol(e.protocol), e.workload.kind === 'synthetic' ? e.workload.params : defaultSynthetic, { days: 14, seed: 3, timeScale: 1 });
    const seen = new Set<string>();
    let fromCache = 0;
    for (const r of readRawReports(warm.dir)) {
      if (r.type !== 'play') continue;
      const machine = r.clientId.replace(/-[0-9a-f]{8}$/, '');
      const key = `${machine}/${r.track}-${r.quality}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!state.caches.get(machine)?.isComplete(cacheKey(r.track, r.quality))) continue;
      expect(r.bytes.server + r.bytes.p2p, key).toBe(0);
      fromCache++;
    }
    expect(fromCache).toBeGreaterThan(10);
  });

  it('precedes a warm window later in the week by two hours of unmeasured network time, and measures from the window', async () => {
    const file = path.join(root, 'sim-prerolled.yaml');
    fs.writeFileSync(file, fs.readFileSync(experimentFile('3h', 'warmup: 1w\n'), 'utf8').replace('    tracksPerUser: 10', '    start: 18h\n    tracksPerUser: 10'));
    const r = await run(file, 'simpre');
    const info = runJson(r.dir) as { workload: { startMs: number; preRollMs: number } };
    expect(info.workload).toMatchObject({ startMs: 18 * 3_600_000, preRollMs: 2 * 3_600_000 });
    const raw = readRawReports(r.dir);
    const playsIn = (from: number, to: number) => raw.filter((x) => x.type === 'play' && x.t >= from && x.t < to).length;
    // the clients ran through the pre-roll, and the summary counts only the window's plays
    expect(playsIn(0, 2 * 3_600_000)).toBeGreaterThan(0);
    const s = r.summary as { plays: number; valid: boolean; reportsLost: number };
    expect(s.plays).toBe(playsIn(2 * 3_600_000, Number.POSITIVE_INFINITY));
    // the live page counted the window's plays too
    expect((JSON.parse(fs.readFileSync(path.join(r.dir, 'live.json'), 'utf8')) as LiveState).plays).toBe(s.plays);
    expect(s.valid).toBe(true);
    expect(s.reportsLost).toBe(0);
  });

  it('refuses warmup in a runtime that cannot warm its caches, naming the field', async () => {
    await expect(runExperiment(loadExperiment(experimentFile('1h', 'warmup: 1w\n')), { resultsRoot: root, runId: 'simwdock', runtime: 'docker', progress: new Progress(true) })).rejects.toThrow(
      /warmup: the docker runtime starts every cache empty; only the simulated runtime/,
    );
  });

  it('runs a scaling experiment once per population and tabulates them beside [1]', async () => {
    const file = experimentFile('24h');
    fs.appendFileSync(file, 'populations: [36, 12]\n');
    const text = fs.readFileSync(file, 'utf8').replace('    tracksPerUser: 10\n', '    catalogue: 200\n');
    fs.writeFileSync(file, text.replace('small.yaml', 'paper-7.yaml'));
    const e = loadExperiment(file);
    expect(e.populations).toEqual([12, 36]);
    const r = await runScaling(e, { resultsRoot: root, progress: new Progress(true) });
    expect(r.rows.map((x) => x.peers)).toEqual([12, 36]);
    for (const row of r.rows) {
      const s = JSON.parse(fs.readFileSync(path.join(r.dir, `peers-${row.peers}`, 'summary.json'), 'utf8')) as { peers: number; plays: number; online: { mean: number; peak: number } };
      expect(s.peers).toBe(row.peers);
      expect(row.plays).toBe(s.plays);
      expect(row.online).toEqual(s.online);
      expect(row.online.peak).toBeGreaterThan(0);
      expect(row.online.peak).toBeLessThanOrEqual(row.peers);
      expect(row.cost?.events).toBeGreaterThan(0);
    }
    // three times the machines, more of them online at once
    expect(r.rows[1].online.mean).toBeGreaterThan(r.rows[0].online.mean);
    const md = fs.readFileSync(path.join(r.dir, 'scaling.md'), 'utf8');
    expect(md).toContain('| Spotify, [1] |');
    expect(md).toMatch(/\| 36 \| [\d.]+ \/ \d+ \| \d+ \|/);
    for (const png of ['scaling-shares.png', 'scaling-search.png']) expect(fs.readFileSync(path.join(r.dir, png)).subarray(1, 4).toString()).toBe('PNG');
    // `testbed report` on the folder rebuilds every population's analysis and the same table
    fs.rmSync(path.join(r.dir, 'scaling.md'));
    expect(await rewriteScaling(r.dir, () => {})).toEqual(r.rows);
    expect(fs.readFileSync(path.join(r.dir, 'scaling.md'), 'utf8')).toBe(md);
  }, 240_000);
});
