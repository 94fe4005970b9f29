// Which benchmarks feed the regression gate, how often each is repeated, and how its result
// becomes measures. A benchmark missing here still runs and writes bench/out/<name>.json, but
// leaves nothing in the history: to gate one (the Docker scale benchmark, a simulation), add an
// entry mapping its result fields to points with a unit and a direction.
import type { Point } from './measures.ts';

export interface BenchMeasures {
  /** times the benchmark is run for one history record: its samples */
  repeat: number;
  points(result: unknown): Point[];
}

interface ProtocolResult {
  codec: { kind: string; encodeMBps: number; decodeMBps: number; msgsPerSec: number }[];
  memory: { idleClientRssMB: number; clientWith50PeersRssMB: number };
}

/** bench/protocol.ts: codec throughput per message kind, and the client's resident memory */
export function protocolPoints(result: unknown): Point[] {
  const r = result as ProtocolResult;
  const slug = (s: string) => s.replace(/\s+/g, '-').toLowerCase();
  return [
    ...r.codec.flatMap((c): Point[] => [
      { name: `protocol/codec/${slug(c.kind)}/encode`, unit: 'MB/s', better: 'higher', value: c.encodeMBps },
      { name: `protocol/codec/${slug(c.kind)}/decode`, unit: 'MB/s', better: 'higher', value: c.decodeMBps },
      { name: `protocol/codec/${slug(c.kind)}/messages`, unit: 'msg/s', better: 'higher', value: c.msgsPerSec },
    ]),
    { name: 'protocol/client-rss/idle', unit: 'MB', better: 'lower', value: r.memory.idleClientRssMB },
    { name: 'protocol/client-rss/50-peers', unit: 'MB', better: 'lower', value: r.memory.clientWith50PeersRssMB },
  ];
}

export const registry: Record<string, BenchMeasures> = {
  // protocol.ts measures each number once; one timing of a few hundred milliseconds moves by
  // 10-30 % with the machine's other load, so five runs give the rank test a distribution to
  // compare (and five against a window of fifty can reach p < 0.05; one against one never can)
  protocol: { repeat: 5, points: protocolPoints },
};
