// Before a testbed is spread over several Docker hosts: is every engine reachable, and are they
// one swarm? (docs/multi-host.md). Each engine is asked through its own API; what a user must do
// about each problem is in the message, so `up` can explain what is missing before it makes
// anything.
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import type { DockerHost } from '../config/hosts.ts';
import { UserFacingError } from '../errors.ts';
import { overlaps, TESTBED_RANGES } from '../plan/addresses.ts';
import { isLocalEngine } from '../plan/hosts.ts';
import { LABEL_PROJECT } from '../plan/types.ts';
import { socketPath } from './engine.ts';

/** what one engine says of itself: enough to tell whether the hosts form one swarm */
export interface EngineFacts {
  host: string;
  docker: string;
  /** why it could not be asked (unreachable, TLS, SSH); absent when it answered */
  error?: string;
  /** the engine's own id (two hosts that name one engine have the same) */
  engineId?: string;
  /** Swarm's LocalNodeState: inactive, pending, active, error, locked */
  swarm?: string;
  nodeId?: string;
  manager?: boolean;
  /** a manager's view: the node ids of its swarm */
  swarmNodes?: string[];
  /** a manager's view: the swarm's own networks (ingress...) and their subnets */
  swarmNetworks?: { name: string; subnet: string }[];
}

/** a dockerode client for a host's engine address (unix socket, TCP with the docker CLI's TLS variables, SSH) */
export function engineFor(h: Pick<DockerHost, 'docker'>, env: NodeJS.ProcessEnv = process.env): Docker {
  const u = new URL(h.docker);
  if (u.protocol === 'unix:') return new Docker({ socketPath: u.pathname });
  if (u.protocol === 'ssh:') return new Docker({ protocol: 'ssh', host: u.hostname, port: u.port ? Number(u.port) : 22, username: u.username || undefined });
  // tcp: TLS as the docker CLI takes it, from DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)
  const certs = env.DOCKER_CERT_PATH;
  const tls = certs && fs.existsSync(path.join(certs, 'ca.pem'));
  return new Docker({
    host: u.hostname,
    port: Number(u.port),
    protocol: tls ? 'https' : 'http',
    ...(tls ? { ca: fs.readFileSync(path.join(certs, 'ca.pem')), cert: fs.readFileSync(path.join(certs, 'cert.pem')), key: fs.readFileSync(path.join(certs, 'key.pem')) } : {}),
  });
}

/** ask every host's engine, at most `timeoutMs` each, all at once */
export async function engineFacts(hosts: readonly DockerHost[], timeoutMs = 5000): Promise<EngineFacts[]> {
  return Promise.all(
    hosts.map(async (h): Promise<EngineFacts> => {
      const base = { host: h.name, docker: h.docker };
      try {
        const d = engineFor(h);
        const info = await withTimeout(d.info(), timeoutMs, `no answer within ${timeoutMs} ms`);
        const s = info.Swarm ?? {};
        const manager = s.ControlAvailable === true;
        if (!manager) return { ...base, engineId: info.ID, swarm: s.LocalNodeState, nodeId: s.NodeID || undefined, manager };
        const nodes = ((await withTimeout(d.listNodes(), timeoutMs, `no node list within ${timeoutMs} ms`)) as { ID: string }[]).map((n) => n.ID);
        const nets = await withTimeout(d.listNetworks({ filters: { scope: ['swarm'] } }), timeoutMs, `no network list within ${timeoutMs} ms`);
        const swarmNetworks = nets
          .filter((n) => !n.Labels?.[LABEL_PROJECT])
          .flatMap((n) => (n.IPAM?.Config ?? []).map((c) => ({ name: n.Name, subnet: c.Subnet ?? '' })))
          .filter((n) => n.subnet.includes('.'));
        return { ...base, engineId: info.ID, swarm: s.LocalNodeState, nodeId: s.NodeID || undefined, manager, swarmNodes: nodes, swarmNetworks };
      } catch (err) {
        return { ...base, error: (err as Error).message };
      }
    }),
  );
}

export function withTimeout<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * What stands between these engines and one swarm a testbed can span, each a sentence with what
 * to do. None for a single host: one engine needs no swarm.
 */
export function swarmProblems(facts: readonly EngineFacts[]): string[] {
  const problems: string[] = [];
  for (const f of facts) {
    if (f.error) problems.push(`host ${f.host} (${f.docker}): the engine did not answer (${f.error}); check the address, and TLS (DOCKER_CERT_PATH) or SSH access`);
  }
  const up = facts.filter((f) => !f.error);
  const byEngine = new Map<string, string>();
  for (const f of up) {
    const other = f.engineId ? byEngine.get(f.engineId) : undefined;
    if (other) problems.push(`hosts ${other} and ${f.host} are the same engine (${f.engineId}); name each machine once`);
    else if (f.engineId) byEngine.set(f.engineId, f.host);
  }
  if (facts.length < 2) return problems;
  for (const f of up) {
    if (f.swarm !== 'active') {
      problems.push(
        `host ${f.host}: its engine is not in a swarm (state ${f.swarm ?? 'unknown'}); on one machine run \`docker swarm init --advertise-addr <its private address>\`, on the others the \`docker swarm join ...\` that \`docker swarm join-token worker\` prints (ports 2377/tcp, 7946/tcp+udp and 4789/udp open between them)`,
      );
    }
  }
  const managers = up.filter((f) => f.swarm === 'active' && f.manager);
  if (up.some((f) => f.swarm === 'active') && managers.length === 0) {
    problems.push("no host is a swarm manager: the overlays are made on a manager; name one of the swarm's managers among the hosts (`docker node ls` on it lists the swarm)");
  }
  const m = managers[0];
  // Swarm's default address pool is 10.0.0.0/8, the testbed's home networks: its ingress network
  // (10.0.0.0/24) then takes the addresses of the first homes
  for (const n of m?.swarmNetworks ?? []) {
    const clash = TESTBED_RANGES.find((r) => overlaps(r, n.subnet));
    if (clash)
      problems.push(
        `the swarm's network ${n.name} (${n.subnet}) lies in the testbed's ${clash}: make the swarm with \`docker swarm init --default-addr-pool 172.24.0.0/14 ...\`, or move ${n.name} (for ingress: \`docker network rm ingress\`, then \`docker network create --ingress -d overlay --subnet 172.24.0.0/24 ingress\`)`,
      );
  }
  if (m?.swarmNodes) {
    const members = new Set(m.swarmNodes);
    for (const f of up)
      if (f.swarm === 'active' && f.nodeId && !members.has(f.nodeId))
        problems.push(`host ${f.host} is in another swarm than ${m.host} (its node ${f.nodeId} is not among ${m.host}'s nodes); join it to ${m.host}'s swarm`);
  }
  return problems;
}

/**
 * Refuses hosts that are not one swarm a testbed can span, with what to do about each problem;
 * and a services host other than this machine's engine, since the data centres write their
 * reports to this machine's disk.
 */
export async function requireSwarm(hosts: readonly DockerHost[] | undefined): Promise<void> {
  if (!hosts || hosts.length < 2) return;
  const problems = swarmProblems(await engineFacts(hosts));
  const services = hosts.find((h) => h.services) ?? hosts[0];
  if (!isLocalEngine(services, socketPath()))
    problems.push(
      `the services host ${services.name} (${services.docker}) is not this machine's engine (unix://${socketPath()}): the data centres write their reports to this machine's disk, so they run here; name this machine's engine among the hosts with services: true`,
    );
  if (problems.length) throw new SwarmNotReadyError(`the hosts are not ready for a testbed that spans them:\n  ${problems.join('\n  ')}`);
}

class SwarmNotReadyError extends UserFacingError {}
