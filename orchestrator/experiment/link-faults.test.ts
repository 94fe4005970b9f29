import { describe, expect, it } from 'vitest';
import { Progress } from '../progress/display.ts';
import { planLinkFaults, runLinkFaults } from './link-faults.ts';

const peers = ['se-001', 'se-002', 'gb-001', 'gb-002'].map((name) => ({ name, country: name.slice(0, 2).toUpperCase(), iface: 'eth0', upKbit: 1000, downKbit: 8000 }));

describe('link faults', () => {
  it('cuts a share of links with DROP rules and takes them away when the fault ends, at the latest at the end of the run', () => {
    const steps = planLinkFaults([{ kind: 'link-cut', atMs: 1000, forMs: 5000, share: 0.5, country: 'SE' }], peers, 1, 4000);
    expect(steps.map((s) => [s.atMs, s.container, s.what])).toEqual([
      [1000, expect.stringMatching(/^se-/), 'cut'],
      [4000, expect.stringMatching(/^se-/), 'restored'],
    ]);
    expect(steps[0].container).toBe(steps[1].container);
    expect(steps[0].cmds[0]).toEqual(['iptables', '-I', 'INPUT', '1', '-i', 'eth0', '-m', 'comment', '--comment', 'tb-fault', '-j', 'DROP']);
    expect(steps[1].cmds[1]).toEqual(['iptables', '-D', 'OUTPUT', '-o', 'eth0', '-m', 'comment', '--comment', 'tb-fault', '-j', 'DROP']);
    // the same seed picks the same peers: paired variants lose the same links
    expect(planLinkFaults([{ kind: 'link-cut', atMs: 1000, forMs: 5000, share: 0.5 }], peers, 9, 1e9)).toEqual(
      planLinkFaults([{ kind: 'link-cut', atMs: 1000, forMs: 5000, share: 0.5 }], peers, 9, 1e9),
    );
  });

  it("scales both directions of a link's rate and puts them back", () => {
    const [on, off] = planLinkFaults([{ kind: 'link-rate', atMs: 0, forMs: 10, share: 0.01, factor: 0.25 }], peers.slice(0, 1), 1, 1e9);
    expect(on.cmds.map((c) => [c[4], c[11]])).toEqual([
      ['eth0', '250kbit'],
      ['ifb0', '2000kbit'],
    ]);
    expect(off.cmds.map((c) => [c[4], c[11]])).toEqual([
      ['eth0', '1000kbit'],
      ['ifb0', '8000kbit'],
    ]);
  });

  it('runs what is still pending when the run finishes, each container in order', async () => {
    const done: string[] = [];
    const exec = async (c: string, cmd: string[]) => {
      await new Promise((r) => setTimeout(r, cmd[1] === '-I' ? 20 : 1));
      done.push(`${c} ${cmd[1]} ${cmd[2]}`);
      return { exitCode: 0, stderr: '' };
    };
    const steps = planLinkFaults([{ kind: 'link-cut', atMs: 0, forMs: 3_600_000, share: 0.01 }], peers.slice(0, 1), 1, 1e9);
    const r = runLinkFaults(exec, steps, Date.now(), 1, new Progress(true));
    await new Promise((res) => setTimeout(res, 5));
    await r.finish();
    expect(done).toEqual(['se-001 -I INPUT', 'se-001 -I OUTPUT', 'se-001 -D INPUT', 'se-001 -D OUTPUT']);
  });

  it('says a peer whose program has ended is skipped, and warns of any other failure', async () => {
    const lines: string[] = [];
    const progress = { line: (l: string) => lines.push(l) } as unknown as Progress;
    const exec = async (c: string) => (c === 'se-001' ? { exitCode: -1, stderr: 'Container abc is not running' } : { exitCode: 1, stderr: 'RTNETLINK answers: No such device' });
    const steps = planLinkFaults([{ kind: 'link-cut', atMs: 1e9, forMs: 1, share: 1, country: 'SE' }], peers, 1, 2e9);
    await runLinkFaults(exec, steps, Date.now(), 1, progress).finish();
    expect(lines.filter((l) => l === 'link fault: se-001 skipped (its program has ended)')).toHaveLength(2);
    expect(lines.filter((l) => /^warning: link fault on se-002: "iptables .*" failed \(exit 1\): RTNETLINK answers: No such device$/.test(l))).toHaveLength(2);
  });

  it('waits to see a peer stop when the runtime could not exec in it (126), instead of warning of a container on its way out', async () => {
    const lines: string[] = [];
    const progress = { line: (l: string) => lines.push(l) } as unknown as Progress;
    // still "running" at the first look, stopped a second later
    let looks = 0;
    const running = async () => ++looks < 3;
    const steps = planLinkFaults([{ kind: 'link-cut', atMs: 1e9, forMs: 1, share: 1, country: 'SE' }], peers.slice(0, 1), 1, 2e9);
    await runLinkFaults(async () => ({ exitCode: 126, stderr: '' }), steps, Date.now(), 1, progress, running).finish();
    expect(lines.filter((l) => l.startsWith('warning'))).toEqual([]);
    expect(lines).toContain(`link fault: ${steps[0].container} skipped (its program has ended)`);
  });

  it("powers the home routers of a share of peers off and on again, once per router, never a public peer's", async () => {
    const homes = [
      { ...peers[0], router: 'r-se-001' },
      { ...peers[1], router: 'r-se-001' }, // two peers behind one router
      { ...peers[2] }, // a public peer: no router
    ];
    const steps = planLinkFaults([{ kind: 'router-restart', atMs: 100, forMs: 50, share: 1 }], homes, 1, 1e9);
    expect(steps.map((s) => [s.atMs, s.container, s.power])).toEqual([
      [100, 'r-se-001', 'off'],
      [150, 'r-se-001', 'on'],
    ]);
    const calls: string[] = [];
    await runLinkFaults(
      async () => ({ exitCode: 0, stderr: '' }),
      steps,
      Date.now(),
      1,
      new Progress(true),
      undefined,
      async (c, on) => void calls.push(`${c} ${on ? 'on' : 'off'}`),
    ).finish();
    expect(calls).toEqual(['r-se-001 off', 'r-se-001 on']);
  });
});
