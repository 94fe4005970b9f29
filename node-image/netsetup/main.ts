// Container entrypoint, first stage: apply TB_NET (routes, NAT, shaping) and exit; the image's
// entrypoint script then execs the role's program, so only one node process stays resident.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { type Cmd, natCommands, renameIfaces, routeCommands, shapingCommands } from './commands.ts';
import type { ContainerNet } from './types.ts';

function run(cmd: Cmd): void {
  try {
    execFileSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`netsetup: "${cmd.join(' ')}" failed: ${stderr || (err as Error).message}`);
  }
}

function actualIfaces(planned: Record<string, string>): Record<string, string> {
  const links = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show']).toString()) as { ifname: string; addr_info: { local: string }[] }[];
  const out: Record<string, string> = {};
  for (const [name, ip] of Object.entries(planned)) {
    const l = links.find((x) => x.addr_info.some((a) => a.local === ip));
    if (!l) throw new Error(`netsetup: no interface holds ${ip} (planned ${name})`);
    out[name] = l.ifname.replace(/@.*$/, '');
  }
  return out;
}

function netemAvailable(): boolean {
  try {
    execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'netem', 'delay', '1ms'], { stdio: 'ignore' });
    execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PROGRAM_ENV = '/run/tb-program.env';

const raw = process.env.TB_NET;
if (raw) {
  const planned = JSON.parse(process.env.TB_ADDRS ?? '{}') as Record<string, string>;
  const net = renameIfaces(JSON.parse(raw) as ContainerNet, actualIfaces(planned));
  for (const c of routeCommands(net)) run(c);
  if (net.nat) for (const c of natCommands(net.nat)) run(c);
  if (net.shaping) {
    const hasNetem = netemAvailable();
    const plan = shapingCommands(net.shaping, hasNetem);
    for (const c of plan.commands) run(c);
    if (!hasNetem) {
      process.stdout.write(
        `NETEM-MISSING this kernel has no sch_netem: delay and jitter held by the program on receive (${plan.applied.delayMs} ms ± ${plan.applied.jitterMs}), loss by iptables random drops\n`,
      );
    }
    // the entrypoint sources this before it execs the role's program
    fs.writeFileSync(
      PROGRAM_ENV,
      Object.entries(plan.programEnv)
        .map(([k, v]) => `export ${k}=${v}\n`)
        .join(''),
    );
    process.stdout.write(JSON.stringify({ event: 'netsetup', shaping: net.shaping, applied: plan.applied, netem: hasNetem }) + '\n');
  }
}
