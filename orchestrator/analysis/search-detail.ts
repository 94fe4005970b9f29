// Overlay search taken apart, from the reports alone: why a search found nothing. `testbed
// crosscheck` puts it beside each place's figures, because overlay success is the figure the
// emulation and the simulation once disagreed on by 6 to 8 points without saying why
// (docs/simulation.md): it separates a search that reached no neighbour, one whose neighbours
// and their neighbours held nothing, and one whose answers came too late or were forgotten; and
// it shows the dials that make the neighbours, whose timing decided the disagreement.
import type { ConnectReport, LogoutReport, Report, SearchReport } from '../../node-image/core/reports.ts';
import { percentile } from './playback.ts';

export interface SearchDetail {
  searches: number;
  /** share of searches sent to no neighbour (they cannot succeed) */
  noNeighbour: number | null;
  /** share of searches with a neighbour that found a peer */
  successWithNeighbours: number | null;
  /** share of all searches with an answer from distance 1, from distance 2 */
  d1: number | null;
  d2: number | null;
  /** real ms from the search to each answer (p50, p90); null before the reports carried it */
  answerMs: { p50: number | null; p90: number | null };
  /** real ms the searchers waited (p50, p90): the wait's timer as late as the machine fired it */
  waitedMs: { p50: number | null; p90: number | null };
  /** answers that arrived after the searcher stopped waiting, or after it forgot the query id (logout reports) */
  lostAnswers: { late: number; forgotten: number } | null;
  /** dials by outcome, and the real ms they took (p50) */
  dials: Record<ConnectReport['outcome'], { count: number; p50Ms: number | null }>;
}

const share = (n: number, d: number) => (d ? n / d : null);

export function searchDetail(rs: readonly Report[]): SearchDetail {
  const ss = rs.filter((r): r is SearchReport => r.type === 'search');
  const withN = ss.filter((s) => s.neighbours > 0);
  const answers = ss.flatMap((s) => s.overlay.map((o) => o.ms).filter((ms): ms is number => ms !== undefined));
  const waited = ss.map((s) => s.waitedMs).filter((ms): ms is number => ms !== undefined);
  const logouts = rs.filter((r): r is LogoutReport => r.type === 'logout' && r.lostHits !== undefined);
  const connects = rs.filter((r): r is ConnectReport => r.type === 'connect');
  const dial = (o: ConnectReport['outcome']) => {
    const ms = connects.filter((c) => c.outcome === o).map((c) => c.ms);
    return { count: ms.length, p50Ms: percentile(ms, 50) };
  };
  return {
    searches: ss.length,
    noNeighbour: share(ss.length - withN.length, ss.length),
    successWithNeighbours: share(withN.filter((s) => s.overlay.length > 0).length, withN.length),
    d1: share(ss.filter((s) => s.overlay.some((o) => o.distance === 1)).length, ss.length),
    d2: share(ss.filter((s) => s.overlay.some((o) => o.distance === 2)).length, ss.length),
    answerMs: { p50: percentile(answers, 50), p90: percentile(answers, 90) },
    waitedMs: { p50: percentile(waited, 50), p90: percentile(waited, 90) },
    // lostHits counts over a client process's life: the last logout of each client holds its total
    lostAnswers: logouts.length
      ? [...new Map(logouts.sort((a, b) => a.seq - b.seq).map((l) => [l.clientId, l.lostHits!])).values()].reduce((a, l) => ({ late: a.late + l.late, forgotten: a.forgotten + l.forgotten }), {
          late: 0,
          forgotten: 0,
        })
      : null,
    dials: { direct: dial('direct'), reversed: dial('reversed'), failed: dial('failed') },
  };
}

/** the rows crosscheck.md shows, one cell per place */
export function searchDetailRows(ds: readonly SearchDetail[]): string[][] {
  const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
  const ms = (x: number | null) => (x === null ? '–' : `${x} ms`);
  return [
    ['searches', ...ds.map((d) => String(d.searches))],
    ['sent to no neighbour', ...ds.map((d) => pct(d.noNeighbour))],
    ['success of those with a neighbour', ...ds.map((d) => pct(d.successWithNeighbours))],
    ['an answer from distance 1 / 2', ...ds.map((d) => `${pct(d.d1)} / ${pct(d.d2)}`)],
    ['answer arrived, p50 / p90', ...ds.map((d) => `${ms(d.answerMs.p50)} / ${ms(d.answerMs.p90)}`)],
    ['searcher waited, p50 / p90', ...ds.map((d) => `${ms(d.waitedMs.p50)} / ${ms(d.waitedMs.p90)}`)],
    ['answers after the wait / forgotten', ...ds.map((d) => (d.lostAnswers ? `${d.lostAnswers.late} / ${d.lostAnswers.forgotten}` : '–'))],
    ...(['direct', 'reversed', 'failed'] as const).map((o) => [`dials ${o} (p50)`, ...ds.map((d) => `${d.dials[o].count} (${ms(d.dials[o].p50Ms)})`)]),
  ];
}
