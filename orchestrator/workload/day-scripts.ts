// One generated day of the synthetic workload, held in columns rather than as an object per event.
// A day at 100,000 machines is about six million script events; as objects (~100 bytes each, with
// their per-machine arrays) a day held 0.6 GB, and a day at 1,000,000 machines would not fit beside
// the simulation. Here an event is 21 bytes (25 once indexed by machine), and a machine's events
// become objects only when that machine's script is asked for (the window keeps what it replays;
// the warm-up reads and drops).
import type { Quality } from '../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';

/** a machine as the generator knows it, and a user by what its login says */
interface DayMachine {
  name: string;
}
interface DayUser {
  id: string;
  country: string;
  quality: Quality;
  mobile: boolean;
}

const LOGIN = 0;
const PLAY_PLAYLIST = 1;
const PLAY_RANDOM = 2;
const SKIP = 3;
const LOGOUT = 4;

export class DayScripts {
  private n = 0;
  private machine = new Int32Array(1024);
  private t = new Float64Array(1024);
  private kind = new Uint8Array(1024);
  /** the user's index for a login, the track for a play */
  private a = new Int32Array(1024);
  /** the next playlist track for a play, 0 for none (tracks count from 1) */
  private b = new Int32Array(1024);
  /** the machine the session being written is on */
  private current = -1;
  /** event indices by machine, and where each machine's run starts (built once, on the first read) */
  private order: Int32Array | null = null;
  private starts: Int32Array | null = null;
  sessions = 0;
  plays = 0;
  /** the latest time of any event of the day (a session may run past midnight) */
  lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly day: number,
    private readonly machines: readonly DayMachine[],
    private readonly users: readonly DayUser[],
  ) {}

  private push(kind: number, t: number, a: number, b: number): void {
    if (this.order) throw new Error('a day is read only once it is written');
    if (this.n === this.t.length) this.grow();
    const i = this.n++;
    this.machine[i] = this.current;
    this.t[i] = t;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
    if (t > this.lastMs) this.lastMs = t;
  }

  private grow(): void {
    const size = this.t.length * 2;
    const more = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: new (n: number) => T): T => {
      const x = new make(size);
      x.set(old);
      return x;
    };
    this.machine = more(this.machine, Int32Array);
    this.t = more(this.t, Float64Array);
    this.kind = more(this.kind, Uint8Array);
    this.a = more(this.a, Int32Array);
    this.b = more(this.b, Int32Array);
  }

  /** a session begins on `machine` (an index into the day's machines); the events after it are its own until the logout */
  login(machine: number, t: number, user: number): void {
    this.current = machine;
    this.sessions++;
    this.push(LOGIN, t, user, 0);
  }
  play(t: number, track: number, access: 'playlist' | 'random', next: number | undefined): void {
    this.plays++;
    this.push(access === 'playlist' ? PLAY_PLAYLIST : PLAY_RANDOM, t, track, next ?? 0);
  }
  skip(t: number): void {
    this.push(SKIP, t, 0, 0);
  }
  logout(t: number): void {
    this.push(LOGOUT, t, 0, 0);
  }

  /** a counting sort of the events by machine, stable: each machine's events in the order written */
  private index(): { order: Int32Array; starts: Int32Array } {
    if (this.order && this.starts) return { order: this.order, starts: this.starts };
    const m = this.machines.length;
    const starts = new Int32Array(m + 1);
    for (let i = 0; i < this.n; i++) starts[this.machine[i] + 1]++;
    for (let k = 0; k < m; k++) starts[k + 1] += starts[k];
    const fill = starts.slice(0, m);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[fill[this.machine[i]]++] = i;
    this.order = order;
    this.starts = starts;
    return { order, starts };
  }

  /**
   * A machine's events of the day as script events, in time order. Sessions of different users on
   * one machine were written in the users' order; they never overlap, so a stable sort by time
   * orders them as the events of one session already are.
   */
  eventsOf(machine: number): ScriptEvent[] {
    const { order, starts } = this.index();
    const out: ScriptEvent[] = [];
    for (let k = starts[machine]; k < starts[machine + 1]; k++) out.push(this.event(order[k]));
    return out.sort((x, y) => x.t - y.t);
  }

  /** the latest time of the machine's events this day (-Infinity for none): whether a window needs them at all */
  lastMsOf(machine: number): number {
    const { order, starts } = this.index();
    let last = Number.NEGATIVE_INFINITY;
    for (let k = starts[machine]; k < starts[machine + 1]; k++) last = Math.max(last, this.t[order[k]]);
    return last;
  }

  /** every machine that has events this day, with its script events */
  *scripts(): Generator<[string, ScriptEvent[]]> {
    const { starts } = this.index();
    for (let m = 0; m < this.machines.length; m++) if (starts[m + 1] > starts[m]) yield [this.machines[m].name, this.eventsOf(m)];
  }

  private event(i: number): ScriptEvent {
    const t = this.t[i];
    switch (this.kind[i]) {
      case LOGIN: {
        const u = this.users[this.a[i]];
        return { t, action: 'login', user: u.id, country: u.country, quality: u.quality, ...(u.mobile ? { mobile: true } : {}) };
      }
      case PLAY_PLAYLIST:
      case PLAY_RANDOM: {
        const next = this.b[i];
        return { t, action: 'play', track: this.a[i], access: this.kind[i] === PLAY_PLAYLIST ? 'playlist' : 'random', ...(next ? { next } : {}) };
      }
      case SKIP:
        return { t, action: 'skip' };
      default:
        return { t, action: 'logout' };
    }
  }
}
