// The Docker hosts a testbed may be spread over (docs/multi-host.md): in a topology's `hosts:` or
// a file of its own (`up --hosts FILE`). plan/hosts.ts places the plan on them.
import { createRequire } from 'node:module';
import { ConfigError, loadYamlFile } from './yaml.ts';

// the topology schema's own definition of `hosts:`, so that both places accept the same
const { definitions } = createRequire(import.meta.url)('../../topologies/topology.schema.json') as { definitions: object };

const ENDPOINT = /^(unix:\/\/\/.+|tcp:\/\/[^/\s]+:\d+|ssh:\/\/[^/\s]+)$/;

/** A Docker engine a testbed may be spread over (plan/hosts.ts, docs/multi-host.md). */
export interface DockerHost {
  /** short name, used in container placement, `status` and errors */
  name: string;
  /** the engine's API: unix:///path, tcp://host:port (TLS from DOCKER_CERT_PATH), ssh://user@host */
  docker: string;
  /** how many peers it may take (each with its router: about 1.8 containers and 30 MB a peer) */
  peers: number;
  /** the data centres, DNS and the core router run here (default: the first host) */
  services?: boolean;
}

/** a problem of a hosts list, and where in it (for a file: the line) */
export interface HostProblem {
  path: (string | number)[];
  message: string;
}

/** Problems a list of hosts has beyond its schema: each names the host and what would be valid. */
export function checkHosts(hosts: readonly DockerHost[]): HostProblem[] {
  const problems: HostProblem[] = [];
  const seen = new Set<string>();
  hosts.forEach((h, i) => {
    if (seen.has(h.name)) problems.push({ path: ['hosts', i, 'name'], message: `hosts[${i}]: the name "${h.name}" is used twice; each host needs its own` });
    seen.add(h.name);
    if (!(Number.isInteger(h.peers) && h.peers >= 1))
      problems.push({ path: ['hosts', i, 'peers'], message: `hosts[${i}] (${h.name}): peers: ${h.peers} is not a number of peers; valid: a whole number, at least 1` });
    if (!ENDPOINT.test(h.docker))
      problems.push({
        path: ['hosts', i, 'docker'],
        message: `hosts[${i}] (${h.name}): docker: "${h.docker}" is not an engine address; valid: unix:///var/run/docker.sock, tcp://HOST:PORT, ssh://USER@HOST`,
      });
  });
  const services = hosts.filter((h) => h.services);
  if (services.length > 1) problems.push({ path: ['hosts'], message: `hosts: ${services.map((h) => h.name).join(' and ')} both say services: true; the data centres, DNS and core run on one host` });
  return problems;
}

const hostsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: { hosts: { $ref: '#/definitions/hosts' } },
  definitions,
};

/** A hosts file (`up --hosts FILE`): `hosts:` and the list a topology's `hosts:` takes. */
export function loadHosts(file: string): DockerHost[] {
  const l = loadYamlFile<{ hosts: DockerHost[] }>(file, hostsSchema);
  const problems = checkHosts(l.value.hosts).map((p) => `${l.where(p.path)}: ${p.message}`);
  if (problems.length) throw new ConfigError(l.file, problems);
  return l.value.hosts;
}
