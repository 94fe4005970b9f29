import { describe, expect, it } from 'vitest';
import { collect } from './measures.ts';
import { dockerPoints, protocolPoints, registry, simPoints } from './registry.ts';

// the shape bench/protocol.ts returns
const result = (f: number) => ({
  codec: [{ kind: 'chunk 16 kB', messages: 20000, bytes: 1, encodeMBps: 100 * f, decodeMBps: 200 * f, msgsPerSec: 5000 * f }],
  memory: { idleClientRssMB: 70 * f, clientWith50PeersRssMB: 90 * f, note: '' },
});

describe('benchmark results as measures', () => {
  it('maps protocol.ts fields to named measures with a unit and a direction', () => {
    const ms = collect([protocolPoints(result(1)), protocolPoints(result(1.1))]);
    expect(ms.map((m) => [m.name, m.unit, m.better])).toEqual([
      ['protocol/codec/chunk-16-kb/encode', 'MB/s', 'higher'],
      ['protocol/codec/chunk-16-kb/decode', 'MB/s', 'higher'],
      ['protocol/codec/chunk-16-kb/messages', 'msg/s', 'higher'],
      ['protocol/client-rss/idle', 'MB', 'lower'],
      ['protocol/client-rss/50-peers', 'MB', 'lower'],
    ]);
    expect(ms[0].samples).toEqual([100, 110.00000000000001]);
  });

  it('repeats protocol enough for the rank test to be able to reject', () => {
    expect(registry.protocol.repeat).toBeGreaterThanOrEqual(5);
  });

  it('drops values that are not finite numbers rather than poisoning the samples', () => {
    expect(collect([[{ name: 'x', unit: 's', better: 'lower', value: Number.NaN }]])).toEqual([]);
  });

  it('maps the simulation suite to its cost and to the protocol figures, with the right directions', () => {
    const r = {
      wallSeconds: 20,
      eventsPerSecond: 80_000,
      memoryPerPeerKB: 600,
      shares: { server: 0.2, p2p: 0.05, cache: 0.75 },
      latencyMs: { p50: null, p90: 120 },
      stutterRate: 0.01,
      trackerSuccess: 0.3,
      overlaySuccess: 0.2,
      reportsLost: 0,
    };
    const byName = new Map(simPoints(r).map((p) => [p.name, p]));
    expect(byName.get('sim/events-per-second')).toMatchObject({ better: 'higher', value: 80_000 });
    expect(byName.get('sim/share/server')).toMatchObject({ better: 'lower', value: 0.2 });
    expect(byName.get('sim/latency/p90')).toMatchObject({ better: 'lower', unit: 'ms', value: 120 });
    // a latency no play had is left out, not recorded as 0
    expect(byName.has('sim/latency/p50')).toBe(false);
  });

  it('maps the Docker suite run to per-container costs, memory per role and the builds, every one lower-is-better', () => {
    // the shape bench/docker-scale.ts's runSuite returns (fields the points do not use left out)
    const r = (f: number) => ({
      topology: 'topologies/small.yaml',
      containers: 28,
      upSec: 28 * f,
      upPerContainerSec: 1 * f,
      downPerContainerSec: 0.2 * f,
      upOverLoop: 1.7 * f,
      peerContainerMemMB: 16 * f,
      peerProcessRssMB: 55 * f,
      routerContainerMemMB: 20 * f,
      routerProcessRssMB: 60 * f,
      build: { warmSec: 0.03 * f, coldAppSec: 25 * f },
    });
    const ms = collect([dockerPoints(r(1)), dockerPoints(r(2))]);
    expect(ms.map((m) => [m.name, m.unit, m.better, m.samples])).toEqual([
      ['docker/up-per-container', 's', 'lower', [1, 2]],
      ['docker/down-per-container', 's', 'lower', [0.2, 0.4]],
      ['docker/up-over-loop', 'ratio', 'lower', [1.7, 3.4]],
      ['docker/memory/peer-rss', 'MB', 'lower', [55, 110]],
      ['docker/memory/peer-cgroup', 'MB', 'lower', [16, 32]],
      ['docker/memory/router-rss', 'MB', 'lower', [60, 120]],
      ['docker/memory/router-cgroup', 'MB', 'lower', [20, 40]],
      ['docker/build/warm', 's', 'lower', [0.03, 0.06]],
      ['docker/build/cold-app', 's', 'lower', [25, 50]],
    ]);
    // the warm check's own threshold: tens of ms that the scheduler moves by half; the default elsewhere
    expect(ms.find((m) => m.name === 'docker/build/warm')?.threshold).toBe(1);
    expect(ms.filter((m) => m.threshold !== undefined).map((m) => m.name)).toEqual(['docker/build/warm']);
  });

  it('repeats the Docker benchmark enough that one night can differ significantly from the window', () => {
    expect(registry.docker.points).toBe(dockerPoints);
    expect(registry.docker.repeat).toBeGreaterThanOrEqual(3);
  });
});
