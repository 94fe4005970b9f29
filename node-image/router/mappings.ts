// The router's port-mapping table: what UPnP IGD and NAT-PMP grant, with leases. Pure: the
// router program applies each change to iptables through a Firewall adapter.

export type Proto = 'TCP' | 'UDP';

export interface Mapping {
  externalPort: number;
  proto: Proto;
  internalClient: string;
  internalPort: number;
  description: string;
  /** workload-free real ms at which it expires; Infinity for a permanent mapping */
  expires: number;
  via: 'upnp' | 'natpmp';
}

export class MappingError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class MappingTable {
  private readonly byKey = new Map<string, Mapping>();
  constructor(private readonly maxLeaseSec: number) {}

  private key(port: number, proto: Proto) {
    return `${proto}/${port}`;
  }

  list(now: number): Mapping[] {
    this.expire(now);
    return [...this.byKey.values()].sort((a, b) => a.externalPort - b.externalPort || a.proto.localeCompare(b.proto));
  }

  get(port: number, proto: Proto, now: number): Mapping | undefined {
    this.expire(now);
    return this.byKey.get(this.key(port, proto));
  }

  /** expired mappings are dropped and returned so their forwards can be removed */
  expire(now: number): Mapping[] {
    const gone: Mapping[] = [];
    for (const [k, m] of this.byKey)
      if (m.expires <= now) {
        this.byKey.delete(k);
        gone.push(m);
      }
    return gone;
  }

  /**
   * Add or renew a mapping. A port held by another client is a conflict (UPnP error 718); with
   * `anyPort` (AddAnyPortMapping, NAT-PMP) the next free port is taken instead.
   */
  add(m: Omit<Mapping, 'expires'> & { leaseSec: number }, now: number, anyPort: boolean): { mapping: Mapping; replaced?: Mapping } {
    this.expire(now);
    const lease = m.leaseSec === 0 ? this.maxLeaseSec : Math.min(m.leaseSec, this.maxLeaseSec);
    let port = m.externalPort || m.internalPort;
    for (;;) {
      const cur = this.byKey.get(this.key(port, m.proto));
      if (!cur || (cur.internalClient === m.internalClient && cur.internalPort === m.internalPort)) break;
      if (!anyPort) throw new MappingError(718, `ConflictInMappingEntry: ${m.proto} ${port} is mapped to ${cur.internalClient}:${cur.internalPort}`);
      port = port >= 65535 ? 1024 : port + 1;
    }
    const replaced = this.byKey.get(this.key(port, m.proto));
    const mapping: Mapping = {
      externalPort: port,
      proto: m.proto,
      internalClient: m.internalClient,
      internalPort: m.internalPort,
      description: m.description,
      via: m.via,
      expires: now + lease * 1000,
    };
    this.byKey.set(this.key(port, m.proto), mapping);
    return { mapping, replaced };
  }

  remove(port: number, proto: Proto, now: number): Mapping {
    this.expire(now);
    const m = this.byKey.get(this.key(port, proto));
    if (!m) throw new MappingError(714, `NoSuchEntryInArray: ${proto} ${port}`);
    this.byKey.delete(this.key(port, proto));
    return m;
  }
}
