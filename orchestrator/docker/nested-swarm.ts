// A swarm of Docker engines on one machine, to prove and measure a multi-host testbed where only
// one machine exists (the multi-host Docker test and `bench/multi-host.ts`; docs/multi-host.md,
// "Proving it on one machine"). Each extra engine runs inside a container of this machine's
// engine and joins this machine's swarm as a worker; the testbed then reaches it by
// tcp://<its docker0 address>:2375, as it would reach another machine.
//
// What this machine allows, measured (docs/multi-host.md): `--privileged` fails (no
// CAP_SYS_RESOURCE), so the engine container gets every other capability, no seccomp or AppArmor
// profile and every device; its /var/lib/docker is a volume (overlay2 works on it, not on the
// outer engine's own overlay), its cgroups go under a parent of their own, and its default bridge
// is moved off 172.17/16 (the outer docker0) and off the testbed's address plan.
//
// The nested engines' API is plain HTTP, without TLS, on docker0: only this machine and its
// containers reach it, and it lives only as long as the test or benchmark.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import type { DockerHost } from '../config/hosts.ts';
import { LABEL_PROJECT, PROJECT } from '../plan/types.ts';
import { requireEngine, socketPath } from './engine.ts';
import { engineFor } from './swarm.ts';

/** the engine's programs, as Debian's docker.io installs them on this machine */
const ENGINE_FILES = ['/usr/sbin/dockerd', '/usr/sbin/docker-proxy', '/usr/sbin/runc', '/usr/bin/containerd', '/usr/bin/docker-init', '/usr/bin/containerd-shim-runc-v2'];
/** the one library dockerd needs that a Debian minbase lacks */
const LIBDEVMAPPER = '/usr/lib/x86_64-linux-gnu/libdevmapper.so.1.02.1';
/** the engines' containers and volumes carry this, not the project's label: they are no run, and `down --all` leaves them */
const LABEL_LAB = 'testbed.nested-swarm';

export interface NestedSwarm {
  /** this machine's engine first (the services host), then the nested ones */
  hosts: DockerHost[];
  /** the nested engines' containers, in the order of hosts[1..] */
  containers: string[];
  /** leave the swarm, remove the engines, their volumes, and the swarm itself if this made it */
  stop(): Promise<void>;
}

/** an image with the engine's programs, FROM `base` (which must have iptables) */
async function engineImage(base: string): Promise<string> {
  const tag = `tb-engine:${base.split(':')[1] ?? 'latest'}`;
  const d = await requireEngine();
  if (
    await d
      .getImage(tag)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return tag;
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-engine-'));
  try {
    for (const f of [...ENGINE_FILES, LIBDEVMAPPER]) fs.copyFileSync(fs.realpathSync(f), path.join(ctx, path.basename(f)));
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      [
        'ARG BASE',
        'FROM $BASE',
        'COPY dockerd docker-proxy runc /usr/sbin/',
        'COPY containerd docker-init containerd-shim-runc-v2 /usr/bin/',
        `COPY ${path.basename(LIBDEVMAPPER)} ${path.dirname(LIBDEVMAPPER)}/`,
        '',
      ].join('\n'),
    );
    await execa('docker', ['build', '-q', '--network', 'none', '--build-arg', `BASE=${base}`, '--label', `${LABEL_PROJECT}=${PROJECT}`, '-t', tag, ctx]);
    return tag;
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

async function until<T>(what: string, f: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s (${(err as Error).message})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Start `engines` nested engines joined to this machine's swarm (made here when there is none),
 * with `peers` capacity each; this machine's engine is host `a` with `localPeers` and the services.
 */
export async function startNestedSwarm(o: { id: string; engines: number; base: string; localPeers: number; peers: number; progress?: (l: string) => void }): Promise<NestedSwarm> {
  const say = o.progress ?? (() => {});
  const d = await requireEngine();
  const image = await engineImage(o.base);
  const bridge = await d.getNetwork('bridge').inspect();
  const managerAddr: string = bridge.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1';
  const before = (await d.info()).Swarm?.LocalNodeState as string;
  const madeSwarm = before !== 'active';
  const names: string[] = [];
  const inner: Docker[] = [];
  const stop = async () => {
    for (const e of inner) await e.swarmLeave({ force: true }).catch(() => {});
    for (const n of names)
      await d
        .getContainer(n)
        .remove({ force: true, v: true })
        .catch(() => {});
    for (const n of names)
      await d
        .getVolume(n)
        .remove()
        .catch(() => {});
    if (madeSwarm) {
      await d.swarmLeave({ force: true }).catch(() => {});
      // leaving keeps docker_gwbridge, which holds 172.18/16: it goes once nothing uses it
      await d
        .getNetwork('docker_gwbridge')
        .remove()
        .catch(() => {});
    } else {
      const nodes = (await d.listNodes().catch(() => [])) as { ID: string; Description?: { Hostname?: string } }[];
      for (const n of nodes)
        if (names.includes(n.Description?.Hostname ?? ''))
          await d
            .getNode(n.ID)
            .remove({ force: true })
            .catch(() => {});
    }
  };
  try {
    if (madeSwarm) {
      say(`swarm: init on this machine's engine, advertised on docker0 (${managerAddr})`);
      // off the testbed's address plan: Swarm's default pool is 10.0.0.0/8, the home networks
      await d.swarmInit({ ListenAddr: `${managerAddr}:2377`, AdvertiseAddr: managerAddr, DefaultAddrPool: ['172.24.0.0/14'], SubnetSize: 24 });
    }
    const token = ((await d.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    const hosts: DockerHost[] = [{ name: 'a', docker: `unix://${socketPath()}`, peers: o.localPeers, services: true }];
    for (let i = 1; i <= o.engines; i++) {
      const name = `${o.id}-e${i}`;
      names.push(name);
      await d.createVolume({ Name: name, Labels: { [LABEL_LAB]: o.id } });
      const c = await d.createContainer({
        name,
        Hostname: name,
        Image: image,
        Labels: { [LABEL_LAB]: o.id },
        Cmd: [
          'dockerd',
          '--host',
          'tcp://0.0.0.0:2375',
          '--host',
          'unix:///run/docker.sock',
          '--tls=false',
          '--storage-driver',
          'overlay2',
          '--cgroup-parent',
          `/${name}`,
          '--bip',
          `192.168.${240 + i}.1/24`,
        ],
        HostConfig: {
          CapAdd: ['ALL'],
          CapDrop: ['SYS_RESOURCE'],
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
          DeviceCgroupRules: ['a *:* rmw'],
          Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw', `${name}:/var/lib/docker`],
          Tmpfs: { '/run': 'rw,exec' },
        },
      });
      await c.start();
      const ip = (await c.inspect()).NetworkSettings.Networks.bridge.IPAddress;
      const host: DockerHost = { name: String.fromCharCode(97 + i), docker: `tcp://${ip}:2375`, peers: o.peers };
      const e = engineFor(host);
      inner.push(e);
      await until(`nested engine ${name} answering on ${host.docker}`, () => e.ping(), 60_000);
      await e.swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: ip, RemoteAddrs: [`${managerAddr}:2377`], JoinToken: token });
      say(`nested engine ${name}: ${host.docker}, joined the swarm`);
      hosts.push(host);
    }
    return { hosts, containers: names, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
