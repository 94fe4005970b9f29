import { describe, expect, it } from 'vitest';
import { LOCAL_MAX_PEERS, localRefusal } from './local-run.ts';

describe('what the local runtime refuses', () => {
  it('takes a small topology with churn and data-centre faults', () => {
    expect(
      localRefusal(12, [
        { kind: 'churn', atMs: 0, forMs: 1, share: 0.1 },
        { kind: 'dc-outage', atMs: 0, forMs: 1 },
      ]),
    ).toBeNull();
  });
  it('names the peer count and the runtimes that take it', () => {
    expect(localRefusal(LOCAL_MAX_PEERS + 1, [])).toMatch(new RegExp(`at most ${LOCAL_MAX_PEERS} peers; this topology has ${LOCAL_MAX_PEERS + 1}: use --runtime docker .* or --runtime sim`));
  });
  it('names the faults that need links and routers', () => {
    expect(
      localRefusal(12, [
        { kind: 'link-rate', atMs: 0, forMs: 1, share: 0.5, factor: 0.5 },
        { kind: 'router-restart', atMs: 0, forMs: 1, share: 0.1 },
      ]),
    ).toMatch(/faults link-rate, router-restart change access links and home routers/);
  });
});
