// The plan: the whole testbed as plain data (docs/architecture.md, principle 3). The planner
// (orchestrator/plan) computes it from a validated topology without touching Docker; a runtime
// (orchestrator/runtime) applies it; `up --dry-run` prints it. Everything a runtime creates is
// named here, so a plan can be diffed, unit-tested and checked for address clashes before any
// container exists.
//
// Network set-up inside a container (routes, NAT rules, tc shaping) travels as data in the
// container's environment (TB_NET, JSON of ContainerNet) and is applied by the container's own
// entrypoint (node-image/netsetup) before its program starts. This keeps the runtime to a handful
// of Docker calls per container, with no `docker exec` round trips, which is what lets hundreds
// of peers start in minutes on two cores.

import type { ContainerNet } from '../../node-image/netsetup/types.ts';
import type { DockerHost } from '../config/hosts.ts';

export type Role = 'peer' | 'router' | 'dc' | 'dns' | 'core';

/** Labels every object of a run carries (docs/architecture.md, principle 5). */
export const LABEL_RUN = 'testbed.run';
export const LABEL_ROLE = 'testbed.role';
/** on every container: how many containers of each role the whole plan has, as JSON, so `status` can tell a run whose `up` never finished */
export const LABEL_PLANNED = 'testbed.planned';
export const LABEL_PROJECT = 'testbed.project';
export const PROJECT = 'p2p-music-testbed';

export interface NetworkPlan {
  /** Docker network name, e.g. tb-<run>-wan-se */
  name: string;
  /** Linux bridge name, at most 15 characters (DOCKER-USER rules name it) */
  bridge: string;
  subnet: string; // CIDR
  /** the address Docker keeps for the bridge itself (.1); containers must not route via it */
  gateway: string;
  /** always true: no testbed network may reach outside the machine */
  internal: true;
  kind: 'wan' | 'home' | 'dc' | 'core';
  /**
   * over several hosts (plan/hosts.ts): `local`, a bridge on the one host in `hosts`, or `swarm`,
   * an attachable internal overlay over them. Absent on one host: a local bridge.
   */
  scope?: 'local' | 'swarm';
  hosts?: string[];
  /**
   * an overlay's addresses Swarm may hand out itself (each node on an overlay takes one for its
   * load balancer); the plan's own addresses lie outside it
   */
  swarmRange?: string;
}

export interface Attachment {
  network: string; // NetworkPlan.name
  ip: string;
  /** interface name inside the container after set-up (eth0, eth1... in attach order) */
  iface: string;
}

export interface ContainerPlan {
  name: string; // Docker container name, tb-<run>-...
  role: Role;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  attachments: Attachment[];
  net: ContainerNet;
  capAdd: string[];
  sysctls: Record<string, string>;
  /** host path -> container path; host paths live under results/<run-id>/ */
  mounts: { host: string; container: string; readOnly?: boolean }[];
  labels: Record<string, string>;
  /** start order: lower groups start (and become healthy) before higher ones */
  group: number;
  /** a line the program prints on stdout once it is ready */
  readyLine: string;
  /** free-form facts for status/dry-run output (country, access type, router mode...) */
  meta: Record<string, string | number | boolean>;
  /** over several hosts: the name of the one that runs it (plan/hosts.ts) */
  host?: string;
}

/** A host firewall rule the run needs; created before containers, removed by `down`. */
interface HostRule {
  table: 'filter';
  chain: 'DOCKER-USER';
  /** the rule's arguments after `-I DOCKER-USER`, including a comment naming the run */
  args: string[];
  /** over several hosts: the host whose firewall takes it (the one that has the bridge) */
  host?: string;
}

export interface Plan {
  runId: string;
  topology: string; // name of the topology
  labels: Record<string, string>;
  networks: NetworkPlan[];
  containers: ContainerPlan[];
  hostRules: HostRule[];
  /** files the runtime writes on the host before starting containers (workload scripts,
   *  DNS config...), each under results/<run-id>/ and usually mounted into a container */
  files: { host: string; content: string }[];
  /** notes for the user (e.g. "netem missing: delay emulated by fallback ...") */
  notes: string[];
  /** the Docker hosts it is spread over (absent: this machine's engine alone) */
  hosts?: DockerHost[];
}
