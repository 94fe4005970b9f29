// Renderers of one run's analysis (summarise.ts): tables as CSV and Markdown, the charts' configurations
// (drawn to PNG and in report.html), and report.md. They compute nothing the summary does not hold or the analysis did not make.
import type { ChartConfiguration } from 'chart.js';
import { hostLoadWarning, largestScaleText, workloadTime } from '../analysis/host-load.ts';
import type { LinkCheck } from '../linkcheck/linkcheck.ts';
import { NO_NETEM_NOTE } from '../linkcheck/netem.ts';
import { describeRuntime } from '../runtime/describe.ts';
import { figure1Chart, latencyCdfChart, offloadChart, tableIIIChart } from './charts.ts';
import type { RunInfo } from './run-info.ts';
import type { Analysis } from './summarise.ts';
import type { Summary } from './summary.schema.ts';

const pct = (x: number) => (100 * x).toFixed(1);

export interface Table {
  csv: string;
  md: string;
}

function table(headers: string[], rows: (string | number)[][]): Table {
  const csv = [headers, ...rows].map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(',')).join('\n') + '\n';
  const md = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
  return { csv, md };
}

export function runTables(a: Analysis): Record<string, Table> {
  const { table1: t1, table2: t2, table3: t3, figure1: f1, offload: ot } = a;
  const tables: Record<string, { csv: string; md: string }> = {};
  tables.table1 = table(
    ['country', 'users', ...Array.from({ length: 10 }, (_, i) => `k=${i + 1}${i === 9 ? '+' : ''}`)],
    Object.entries(t1).map(([c, r]) => [c, r.users, ...r.pct]),
  );
  tables.table2 = table(
    ['country', 'addresses', 'no NAT %', 'UPnP worked %', 'UPnP mismatch %', 'UPnP private IP %'],
    Object.entries(t2).map(([c, r]) => [c, r.addresses, pct(r.noNat), pct(r.upnpWorked), pct(r.upnpMismatch), pct(r.upnpPrivate)]),
  );
  tables.table3 = table(
    ['country', 'weekend', 'searches', 'any d %', 'd = 1 %', 'd = 2 %'],
    Object.entries(t3).flatMap(([c, r]) => [
      [c, 'no', r.weekday.searches, pct(r.weekday.any), pct(r.weekday.d1), pct(r.weekday.d2)],
      [c, 'yes', r.weekend.searches, pct(r.weekend.any), pct(r.weekend.d1), pct(r.weekend.d2)],
    ]),
  );
  tables.figure1 = table(
    ['minutes since login', 'reports', 'p10', 'p25', 'p50', 'p75', 'p90'],
    f1.map((r) => [r.minutes, r.n, r.p10, r.p25, r.p50, r.p75, r.p90]),
  );
  tables.offload = table(
    ['workload hour', 'server bytes', 'p2p bytes', 'cache bytes'],
    ot.map((r) => [r.hour, r.server, r.p2p, r.cache]),
  );
  return tables;
}

/** the run's charts by the file under plots/ each is drawn to, each built once: write.ts draws it to PNG and hands the same object to report.html */
export function runCharts(a: Analysis): Record<string, ChartConfiguration> {
  return {
    'figure1.png': figure1Chart(a.figure1),
    'offload.png': offloadChart(a.offload),
    'latency-cdf.png': latencyCdfChart(a.plays.map((p) => p.latencyMs).filter((x) => x >= 0)),
    'table3.png': tableIIIChart(a.table3),
  };
}

/** the run's balance of its plays (report/accounting.ts) in one line, or nothing for a run made before it was kept */
function playsLine(a: Summary['playAccounting']): string {
  if (!a) return '';
  const n = a.notPlayed;
  const why = [`${n.noUser} without a user logged in`, `${n.offline} offline`, `${n.notReached} not reached before the program exited`, `${n.noExit} of programs that ended without their exit record`];
  const off = a.unaccounted || a.surplus ? `**${a.unaccounted} unaccounted for${a.surplus ? `, ${a.surplus} more than scheduled` : ''}**` : 'every one accounted for';
  return `Plays scheduled ${a.scheduled} (${a.inWindow} in the measured window), reported ${a.reported}, not played ${n.noUser + n.offline + n.notReached + n.noExit} (${why.join(', ')}): ${off}.\n`;
}

/** report.md's "Host load": the programs' timer slip and event-loop delay, and the rule (analysis/host-load.ts); nothing where none was measured */
function hostLoadSection(h: Summary['hostLoad'], timeScale: number, repetitions: number): string {
  if (!h) return '';
  type Delay = { realMs: number; workloadMs: number };
  type Program = NonNullable<Summary['hostLoad']>['worst'];
  const d = (x: Delay) => `${x.realMs} ms (${workloadTime(x.workloadMs)})`;
  const who = (p: Program) => `${p.role === 'dc' ? 'data centre' : 'peer'} ${p.name}${repetitions > 1 ? ` (${p.repetition})` : ''}`;
  const rows: (string | number)[][] = [[`all ${h.clients + h.dataCentres} programs, every timer pooled`, d(h.slipP99), '', '', '']];
  const seen = new Set<string>();
  for (const [what, p] of [
    ['the largest timer slip', h.worst],
    ['the longest event-loop delay of a data centre', h.worstDataCentre],
    ['the longest event-loop delay', h.worstLoopDelay],
  ] as const) {
    if (!p) continue;
    const key = `${p.role} ${p.name} ${p.repetition}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push([`${who(p)}: ${what}`, d(p.slipP99), d(p.slipMax), d(p.loopDelayP99), d(p.loopDelayMax)]);
  }
  const dc = h.worstDataCentre;
  const warning = hostLoadWarning(h, repetitions);
  const rule = h.limit
    ? `The rule: 1 % of the run's timers, and 1 % of the time at each data centre, may wait no longer in workload time than the protocol's shortest reaction window, ${workloadTime(h.limit.workloadMs)} of \`${h.limit.parameter}\` (${h.limit.realMs} ms real at scale ${timeScale}; docs/time-scale.md, "An overloaded host"). The run's p99 timer slip, ${d(h.slipP99)}${dc ? `, and ${who(dc)}'s p99 event-loop delay, ${d(dc.loopDelayP99)}` : ''}, ${h.holds ? '**hold**' : h.scaleDistorts && !h.beyondCeiling ? '**do not hold**, a warning and not a problem at this scale (below)' : h.scaleDistorts && h.ceiling ? `**do not hold, beyond even the ${workloadTime(h.ceiling.workloadMs)} of \`${h.ceiling.parameter}\` the server keeps ahead of a play: the run is not valid at any scale**` : '**do not hold: the run is not valid**'}; at these real delays the largest time scale that holds is ${largestScaleText(h.largestScale)}.${warning ? ` **Warning**: ${warning}.` : ''}`
    : 'This variant has no audio window (emergency mode and prefetch off, no server head): no limit applies.';
  return `## Host load

Measured by each program from the workload's start (${h.clients} clients, ${h.dataCentres} data centres): **timer slip**, how late its own timers fired against when they were due, and **event-loop delay**, how long a timer due at any moment waited for its event loop. Real ms, and in workload time at scale ${timeScale} (× ${timeScale}).

${table(['', 'timer slip p99', 'timer slip max', 'event-loop delay p99', 'event-loop delay max'], rows).md}
${rule}

`;
}

export function runMarkdown(a: Analysis, info: RunInfo, tables: Record<string, Table>, o: { topologyPng?: boolean } = {}): string {
  const { summary, plays, shares, quality: q } = a;
  const badLines = summary.rawLinesSkipped ?? 0;
  const d = summary.discovery;
  const runtime = describeRuntime(info.runtime);
  const md = `# ${info.experiment}: run ${info.runId}

${info.variant ? `Protocol variant **${info.variant.name}**: ${info.variant.text}.\n\n` : ''}Topology **${info.topology}**, ${info.peers} peers, ${summary.durationHours} h of workload time ${runtime.ran(info.timeScale)}, seed ${info.seed}${info.repetitions > 1 ? `, ${info.repetitions} repetitions` : ''}. Git ${info.gitCommit}; image ${Object.values(info.images).join(', ')}.${summary.interrupted ? '\n\n**The run was interrupted**: these are the reports collected until then.' : ''}${summary.problems?.length ? `\n\n**Not a valid run**: ${summary.problems.join('; ')}.` : ''}

${info.notes.map((n) => `> ${n}`).join('\n')}

${o.topologyPng ? '![topology](topology.png)\n\n' : ''}## Offload

${plays.length} plays, ${(shares.bytes.total / 1e6).toFixed(1)} MB played: **${pct(shares.shares.server)}% from the servers, ${pct(shares.shares.p2p)}% from peers, ${pct(shares.shares.cache)}% from the local cache.**
${playsLine(summary.playAccounting)}By data centre: ${Object.entries(summary.byDataCentre ?? {})
    .map(([k, v]) => `${k} ${pct(v.server)}% server / ${pct(v.p2p)}% p2p / ${pct(v.cache)}% cache`)
    .join('; ')}.

![offload](plots/offload.png)

## Playback

Latency (${runtime.ms}, play request to first audio${info.timeScale !== 1 ? `; measured under time scale ${info.timeScale}: tracks are ${info.timeScale}× shorter, network delay and CPU are not` : ''}): p50 ${q.latencyMs.p50}, p75 ${q.latencyMs.p75}, p90 ${q.latencyMs.p90}. Stutters per play ${q.stutterRate.toFixed(3)}. Plays whose bytes differ from the server's: ${q.integrityFailures}. Plays that ended before any audio: ${q.neverStarted} (${q.beforeLogin} requested before the client's first login answer; under a time scale a slow login swallows whole tracks). Reports lost: ${summary.reportsLost}.${badLines ? ` **${badLines} lines of the raw reports were torn or malformed and were skipped.**` : ''}

![latency](plots/latency-cdf.png)

${hostLoadSection(summary.hostLoad, info.timeScale, info.repetitions)}${
  summary.faults
    ? `## Faults\n\n${
        table(
          [
            'fault',
            'data centre',
            'from (workload h)',
            'for (h)',
            'reports made meanwhile',
            'searches during / outside',
            'tracker success during / outside %',
            'overlay success during / outside %',
            'peer share during / outside %',
          ],
          summary.faults.map((f) => [
            f.kind,
            f.dc ?? (f.kind === 'churn' ? '' : 'both'),
            +(f.atMs / 3_600_000).toFixed(2),
            +(f.forMs / 3_600_000).toFixed(2),
            f.reportsDuring,
            `${f.during.searches} / ${f.outside.searches}`,
            `${pct(f.during.tracker)} / ${pct(f.outside.tracker)}`,
            `${pct(f.during.overlay)} / ${pct(f.outside.overlay)}`,
            `${pct(f.during.p2pShare)} / ${pct(f.outside.p2pShare)}`,
          ]),
        ).md
      }\nReports made while a data centre was away could only be stored after it came back; with ${summary.reportsLost} reports lost, every one of them arrived late rather than never.\n\n`
    : ''
}## Peer discovery (the paper's section IV-D)

Of ${d.searches} searches the tracker answered peers for ${pct(d.tracker)}%, the overlay for ${pct(d.overlay)}% (distance 1: ${pct(d.overlayD1)}%, distance 2: ${pct(d.overlayD2)}%). The paper: overlay 81.8% (60.4% at d = 1, 77.4% at d = 2), tracker 84.1% in [1].

${tables.table3.md}
![table3](plots/table3.png)

## NAT and UPnP per address (the paper's Table II), as classified from the clients' reports

${tables.table2.md}
## Addresses per user (the paper's Table I), % of users by distinct addresses

${tables.table1.md}
## Neighbours against time since login (the paper's Fig. 1)

Reports with no neighbour at all: ${pct(summary.noNeighbourShare ?? 0)}% (the paper's [1]: 30-50%).

![figure1](plots/figure1.png)

## Links

${info.netem ? 'Delay, jitter and loss by netem.' : `**netem is missing in this kernel**: ${NO_NETEM_NOTE}.`}

${
  info.linkCheck.length
    ? table(
        ['peer', 'access', 'down kbit configured', 'down measured', 'up kbit configured', 'up measured', 'delay ms configured', 'RTT ms (TCP handshake)', 'RTT ms (as the programs see it)'],
        (info.linkCheck as LinkCheck[]).map((l) => [
          l.container,
          l.access,
          l.configured.downKbit,
          l.measured.downKbit,
          l.configured.upKbit,
          l.measured.upKbit,
          l.configured.delayMs,
          l.measured.rttMs,
          l.measured.appRttMs ?? '',
        ]),
      ).md
    : 'No link check was run.'
}
`;
  return md;
}
