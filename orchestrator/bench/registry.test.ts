import { describe, expect, it } from 'vitest';
import { collect } from './measures.ts';
import { protocolPoints, registry } from './registry.ts';

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
});
