// Which reports a data centre has stored, for dropping a re-sent one: per client, the sequence
// numbers stored as a few runs [from, to). A client numbers its reports 0, 1, 2... and sends them
// in order (core/report-queue.ts), so one data centre sees a client's numbers as one run, or a
// few when the client moved to the other site and back. The memory is a map entry per client and
// a pair of numbers per run: it grows with clients, never with plays, where a set of every
// "clientId/seq" key grew by one entry a report (and V8 refuses a Set past 2^24 entries: a day
// of 10^6 peers).

export class StoredReports {
  /** per client, disjoint runs in increasing order, flattened: [from0, to0, from1, to1, ...] */
  private readonly runs = new Map<string, number[]>();

  constructor(keys: Iterable<string> = []) {
    for (const k of keys) {
      const slash = k.lastIndexOf('/');
      const seq = Number(k.slice(slash + 1));
      if (slash > 0 && Number.isInteger(seq) && seq >= 0) this.add(k.slice(0, slash), seq);
    }
  }

  has(clientId: string, seq: number): boolean {
    const r = this.runs.get(clientId);
    if (!r) return false;
    // the newest run first: a duplicate is almost always a report sent again after a reconnect
    for (let i = r.length - 2; i >= 0; i -= 2) {
      if (seq >= r[i + 1]) return false;
      if (seq >= r[i]) return true;
    }
    return false;
  }

  add(clientId: string, seq: number): void {
    const r = this.runs.get(clientId);
    if (!r) {
      this.runs.set(clientId, [seq, seq + 1]);
      return;
    }
    // the common case, the next report in order: extend the last run
    if (r[r.length - 1] === seq) {
      r[r.length - 1] = seq + 1;
      return;
    }
    if (this.has(clientId, seq)) return;
    // otherwise insert as a run of one and merge it with its neighbours
    let i = r.length;
    while (i > 0 && r[i - 2] > seq) i -= 2;
    r.splice(i, 0, seq, seq + 1);
    if (i + 2 < r.length && r[i + 1] === r[i + 2]) r.splice(i + 1, 2);
    if (i > 0 && r[i - 1] === r[i]) r.splice(i - 1, 2);
  }

  /** clients with at least one stored report */
  get clients(): number {
    return this.runs.size;
  }

  /** runs held over all clients: what the memory grows with besides the clients */
  get size(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.length / 2;
    return n;
  }
}
