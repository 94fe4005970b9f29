// The live page of a run in progress (`/runs/<folder>/live`): its figures so far and a Chart.js
// chart of the shares of the bytes played per workload hour, filled in from the server-sent events
// of `/runs/<folder>/live/events` (live.ts) as the run writes its live.json. The page holds no run
// data itself: every value arrives as JSON and is put in with textContent, never as HTML.
import { chartJsInline, escapeHtml } from '../report/html.ts';

/** the URL of a folder below /runs/ */
const runsUrl = (rel: string) => `/runs/${rel.split('/').map(encodeURIComponent).join('/')}`;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.95em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f4f4f4;font-weight:normal}
td{text-align:right;min-width:12em}.badge{font-size:.6em;vertical-align:middle;padding:.1em .5em;border-radius:.3em;background:#ddd}
.badge.running{background:#c00;color:#fff}.badge.finished{background:#070;color:#fff}.badge.failed{background:#a60;color:#fff}
progress{width:20em}.chart{position:relative;width:100%;max-width:900px}#warnings li{color:#a00}#conn{color:#666}`;

// Runs in the browser. `show` puts one live.json on the page; the chart has every hour from the
// window's first to the last with a play (an hour without one a gap), in % of that hour's bytes.
const SCRIPT = `const $ = (id) => document.getElementById(id);
const pct = (x) => (100 * x).toFixed(1) + ' %';
const clock = (ms) => {
  const m = Math.floor(ms / 60000);
  return 'day ' + Math.floor(m / 1440) + ' ' + String(Math.floor(m / 60) % 24).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');
};
const ratio = (n, d) => (d ? pct(n / d) + ' of ' + d : 'none yet');
const COLORS = { server: '#1f77b4', p2p: '#ff7f0e', cache: '#2ca02c' };
const chart = new Chart($('hourly'), {
  type: 'bar',
  data: { labels: [], datasets: Object.entries(COLORS).map(([k, c]) => ({ label: k, data: [], backgroundColor: c })) },
  options: {
    animation: false,
    scales: {
      x: { stacked: true, title: { display: true, text: 'workload hour of the window' } },
      y: { stacked: true, min: 0, max: 100, title: { display: true, text: '% of the bytes played in the hour' } },
    },
  },
});
function show(s) {
  const state = $('state');
  state.textContent = s.state;
  state.className = 'badge ' + s.state;
  $('what').textContent = s.experiment + ' on the ' + s.runtime + ' runtime' + (s.repetitions > 1 ? ', repetition ' + s.repetition + ' of ' + s.repetitions : '');
  $('bar').value = s.durationMs ? s.workloadMs / s.durationMs : 0;
  $('workload').textContent = (s.preRoll ? 'pre-roll (not measured), then ' : '') + clock(s.workloadMs) + ' of ' + clock(s.durationMs);
  $('plays').textContent = String(s.plays);
  $('shares').textContent = pct(s.shares.server) + ' / ' + pct(s.shares.p2p) + ' / ' + pct(s.shares.cache);
  $('online').textContent = String(s.peersOnline);
  $('overlay').textContent = ratio(s.search.overlayFound, s.search.searches);
  $('tracker').textContent = ratio(s.search.trackerFound, s.search.trackerAsked);
  $('lost').textContent = String(s.reportsLost);
  $('never').textContent = String(s.playsNeverStarted);
  $('updated').textContent = new Date(s.updatedAt).toLocaleString();
  $('updated').dataset.at = s.updatedAt;
  $('report').hidden = s.state !== 'finished';
  const last = s.hourly.length ? s.hourly[s.hourly.length - 1].hour : -1;
  const byHour = new Map(s.hourly.map((h) => [h.hour, h]));
  chart.data.labels = Array.from({ length: last + 1 }, (_, i) => String(i));
  chart.data.datasets.forEach((d) => {
    d.data = chart.data.labels.map((_, i) => (byHour.has(i) ? +(100 * byHour.get(i).shares[d.label]).toFixed(2) : null));
  });
  chart.update();
  const list = $('warnings');
  list.replaceChildren(...s.warnings.map((w) => {
    const li = document.createElement('li');
    li.textContent = new Date(w.at).toLocaleTimeString() + ': ' + w.text;
    return li;
  }));
  $('no-warnings').hidden = s.warnings.length > 0;
}
const events = new EventSource($('page').dataset.events);
events.onmessage = (m) => {
  $('conn').textContent = '';
  show(JSON.parse(m.data));
};
// the run is over: no reconnecting
events.addEventListener('end', (m) => {
  events.close();
  if (JSON.parse(m.data).state === 'gone') $('conn').textContent = 'live.json is gone: the folder was removed or replaced';
});
events.onerror = () => {
  if (events.readyState !== EventSource.CLOSED) $('conn').textContent = 'connection to the server lost; retrying';
};`;

/** the live page of the run folder `rel` (relative to the results folder, '/' between segments); `topology`: it has a topology.yaml to link to */
export function livePage(rel: string, o: { topology?: boolean } = {}): string {
  const folder = runsUrl(rel);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>live: ${escapeHtml(rel)}</title>
<style>${STYLE}</style>
</head>
<body id="page" data-events="${escapeHtml(`${folder}/live/events`)}">
<p><a href="/">all results</a> · ${escapeHtml(rel)}${o.topology ? ` · <a href="${escapeHtml(`${folder}/topology`)}">topology</a>` : ''}</p>
<h1>${escapeHtml(rel)} <span id="state" class="badge">connecting</span></h1>
<p><span id="what"></span> <span id="conn"></span></p>
<p><progress id="bar" max="1" value="0"></progress> <span id="workload"></span></p>
<p id="report" hidden>The run is over: <a href="${escapeHtml(`${folder}/`)}">its report</a>.</p>
<table>
<tr><th>plays so far</th><td id="plays"></td></tr>
<tr><th>bytes from server / peers / cache</th><td id="shares"></td></tr>
<tr><th>peers online</th><td id="online"></td></tr>
<tr><th>overlay search success</th><td id="overlay"></td></tr>
<tr><th>tracker success</th><td id="tracker"></td></tr>
<tr><th>reports lost</th><td id="lost"></td></tr>
<tr><th>plays never started</th><td id="never"></td></tr>
<tr><th>last update</th><td id="updated"></td></tr>
</table>
<h2>Shares of the bytes played, per workload hour</h2>
<div class="chart"><canvas id="hourly" role="img" aria-label="shares of the bytes played per workload hour"></canvas></div>
<h2>Warnings</h2>
<p id="no-warnings">None so far.</p>
<ul id="warnings"></ul>
<script>${chartJsInline()}</script>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}
