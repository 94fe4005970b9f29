// What a container's network set-up is, as data: the planner (orchestrator/plan) writes it into
// the container's environment (TB_NET, JSON) and the entrypoint here applies it. Defined on this
// side, the programs' side, so that the image depends on nothing of the orchestrator's.

/** Rate and impairments of one direction of an access link. */
export interface LinkDirection {
  rateKbit: number;
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

export interface Shaping {
  iface: string;
  /** egress of `iface` (towards the network) */
  up: LinkDirection;
  /** ingress of `iface` (towards the container), shaped through an ifb device */
  down: LinkDirection;
}

interface Route {
  dst: string; // CIDR or 'default'
  via: string;
}

export interface ContainerNet {
  routes: Route[];
  shaping?: Shaping;
  /** for routers: masquerade out of `wanIface`, forward from `lanIface` */
  nat?: { wanIface: string; lanIface: string };
  /** for the core router: plain forwarding between its attachments */
  forward?: boolean;
}
