// A chart's title, as every chart of the testbed has it (charts.ts, report/scaling-charts.ts,
// experiment/scaling.ts): apart from charts.ts so that a chart can be defined without loading
// node-canvas (the pages `testbed serve` makes draw in the browser only).
export const title = (text: string) => ({ title: { display: true, text, font: { size: 16 } } });
