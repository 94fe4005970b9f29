// A chart's title, as the run's and the scaling experiment's charts have it (charts.ts,
// scaling-charts.ts): apart from charts.ts so that a chart can be defined without loading
// node-canvas (the pages `testbed serve` makes draw in the browser only).
export const title = (text: string) => ({ title: { display: true, text, font: { size: 16 } } });
