// Lazy keep-alives: a coarser model of how a connection's death is noticed, for the simulated
// network only (`sim: { keepalives: lazy }` in an experiment; docs/simulation.md, "Models").
//
// The protocol's keep-alive (core/channel.ts `keepalives`) pings every connection every
// keepaliveMs and closes it after deadAfterMs without a byte. What it finds out is whether the
// path has gone silent. On the simulated network a path goes silent in one way only, a host's
// access link cut (a link-cut fault, a home router that is off): a program that stops, goes
// offline or loses its data centre closes its connections, and the other end hears the FIN. So
// the network can say when silence begins, and nothing needs to tick before it: at a cut, each
// connection through the host is looked at again deadAfterMs later and closed as a keep-alive
// time-out would close it, unless the link is back by then (its held segments, and the pings
// that would have been among them, arrive: the connection lives on).
//
// What it leaves out, against the pings: a connection dies at cut + deadAfterMs exactly, where a
// keep-alive tick closes it up to keepaliveMs either side of that (the last pong came up to a
// tick before the cut, the check runs on the next tick after deadAfterMs); the pings' bytes on the
// links (tens of bytes a keepaliveMs); the round-trip time a pong measures, which the
// `lowest-rtt` peer choice reads: here it is the path's round trip without queues.
import type { Channel, Liveness } from '../../../node-image/core/channel.ts';
import type { SimClock } from './clock.ts';
import { MIN_RTO_MS, type SimHost, type SimNetwork, type SimPipe } from './network.ts';

export class CutLiveness implements Liveness {
  /** the channel on each pipe end */
  private readonly channels = new WeakMap<SimPipe, Channel>();

  constructor(
    private readonly net: SimNetwork,
    private readonly clock: SimClock,
  ) {
    net.onCut.push((host, until) => this.silenced(host, until));
  }

  watch(ch: Channel) {
    const pipe = ch.pipe as SimPipe;
    this.channels.set(pipe, ch);
    if (pipe.other) ch.rttMs = this.net.baseRtt(pipe.self, pipe.other.self);
    return { cancel: () => this.channels.delete(pipe) };
  }

  private silenced(host: SimHost, until: number): void {
    const from = this.clock.realNow();
    if (until <= from) return;
    for (const pipe of host.pipes) {
      for (const end of [pipe, pipe.other]) {
        const ch = end && this.channels.get(end);
        if (!ch) continue;
        this.clock.afterReal(ch.opts.deadAfterMs, () => {
          if (!ch.isOpen) return;
          // the link came back in time: what was held (pings among it) has arrived by now
          if (host.cutUntil + MIN_RTO_MS <= this.clock.realNow()) return;
          ch.expire();
        });
      }
    }
  }
}
