// The scaling experiment's charts that `testbed serve` draws in the browser are the ones whose
// PNGs experiment/scaling.ts writes: the same configuration, drawn by the same renderer, gives the
// same bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { render } from './charts.ts';
import { scalingCharts } from './scaling-charts.ts';
import { makeScalingFolder } from './test/scaling-folder.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-scaling-charts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a scaling experiment's charts", () => {
  it('draw the PNGs beside scaling.md from the rows of scaling.json', async () => {
    const rows = await makeScalingFolder(dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'scaling.json'), 'utf8'));
    expect(json.rows).toEqual(rows);
    const charts = scalingCharts(json.rows);
    expect(Object.keys(charts)).toEqual(['scaling-shares.png', 'scaling-search.png']);
    const md = fs.readFileSync(path.join(dir, 'scaling.md'), 'utf8');
    for (const [file, config] of Object.entries(charts)) {
      expect(md).toContain(`](${file})`);
      expect(JSON.parse(JSON.stringify(config))).toEqual(config);
      expect((await render(config)).equals(fs.readFileSync(path.join(dir, file))), file).toBe(true);
    }
  }, 60_000);

  it('are none before a population has played anything', () => {
    expect(scalingCharts([{ plays: 0, online: { mean: 0 }, shares: { server: 0, p2p: 0, cache: 0 }, tracker: 0, overlay: 0 }])).toEqual({});
  });
});
