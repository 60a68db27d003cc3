// Issue 16's speed goals for the runs page, in headless Chromium: ready with 1,000 and 10,000
// runs, the parallel chart's redraw after a brush (1,000 runs), charts of 10 runs x 100,000
// points, and smoothing them. Medians of REPEAT. Usage (after `bash tests/browser/run`
// installed Chromium and playwright-core):
//   node bench/ui-runs.mjs [--mfile target/release/mfile] [--repeat 5]
// Runs are written straight into the catalog by bench/tracking.py's fill_runs (5 params and 3
// metric summaries each, or 20 params and 10 or 100 metrics): 10,000 `mfile` calls would take minutes. `--app FILE`
// serves the page's script from FILE instead of the binary's, to time a change to app.js
// without a rebuild.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const BIN = arg('--mfile', new URL('../target/release/mfile', import.meta.url).pathname);
const REPEAT = Number(arg('--repeat', 5));
const APP = arg('--app', null);
const BENCH = new URL('.', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'mfile-bench-ui-runs-'));

function center(name) {
  const env = { ...process.env, MFILE_CENTER: join(dir, name), MFILE_USER: 'bench', MFILE_CONFIG: '' };
  return { env, path: env.MFILE_CENTER, mfile: (...args) => execFileSync(BIN, args, { env, encoding: 'utf8' }) };
}

function fill(c, runs, extraParams, extraMetrics) {
  c.mfile('log-param', '-m', 'bench', '--run', 'seed', 'lr=0.1', '-q');
  execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(BENCH)}); import tracking; tracking.fill_runs(${JSON.stringify(c.path)}, ${runs - 1}, ${extraParams}, ${extraMetrics})`]);
}

async function serve(c) {
  const ui = spawn(BIN, ['ui', '--bind', '127.0.0.1:0'], { env: c.env, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve) => createInterface({ input: ui.stdout }).once('line', (l) => resolve(l.trim())));
  return { ui, url };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});

async function ready(url, hash) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  if (APP) await page.route('**/app.js', (route) => route.fulfill({ path: APP, contentType: 'text/javascript' }));
  const start = performance.now();
  await page.goto(`${url}${hash}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 120000 });
  return { page, ms: performance.now() - start };
}

const rows = [];
try {
  for (const [runs, extraParams, extraMetrics] of [[1000, 0, 0], [10000, 0, 0], [10000, 15, 7], [10000, 15, 97]]) {
    const c = center(`runs-${runs}-${extraParams}-${extraMetrics}`);
    fill(c, runs, extraParams, extraMetrics);
    const { ui, url } = await serve(c);
    const size = async (query) => {
      const answer = await fetch(`${url}api/models/bench/runs${query}`);
      const mb = (await answer.arrayBuffer()).byteLength / 1e6;
      return answer.status === 413 ? 'over 32 MiB' : `${mb.toFixed(1)} MB`;
    };
    // the listing as the page asks for it, and as objects
    const [objects, columns] = [await size(''), await size('?shape=columns&max_metrics=24')];
    const times = [];
    const brushes = [];
    for (let i = 0; i < REPEAT; i += 1) {
      const { page, ms } = await ready(url, '#/models/bench/runs?owner=*');
      times.push(ms);
      if (runs === 1000) {
        // one brush on the first param axis: from the event to the table and scatter redrawn
        brushes.push(await page.evaluate(() => new Promise((resolve) => {
          const chart = echarts.getInstanceByDom(document.querySelector('.parallel'));
          const axis = chart.getOption().parallelAxis[0];
          const before = document.body.dataset.brushed;
          const start = performance.now();
          chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: axis.id, intervals: [[0, 0.003]] });
          const wait = () => (document.body.dataset.brushed !== before
            ? requestAnimationFrame(() => resolve(performance.now() - start)) : setTimeout(wait, 1));
          wait();
        })));
      }
      await page.close();
    }
    const shape = `${5 + extraParams} params, ${3 + extraMetrics} metrics; listing ${columns}, ${objects} as objects`;
    rows.push([`runs page ready, ${runs.toLocaleString('en')} runs (${shape})`, median(times), runs === 1000 ? 1000 : 3000]);
    if (brushes.length) rows.push(['parallel redraw after a brush, 1,000 runs', median(brushes), 200]);
    ui.kill();
  }

  // 10 runs x 100,000 points of two metrics, charted (thinned on the server), then smoothed.
  const c = center('long');
  const lines = Array.from({ length: 100000 }, (_, s) => `{"step": ${s}, "loss": ${1 / (s + 1) + Math.sin(s / 50) / 100}, "acc": ${s / 100000}}`);
  writeFileSync(join(dir, 'long.jsonl'), lines.join('\n') + '\n');
  for (let r = 0; r < 10; r += 1) c.mfile('log-metric', '-m', 'long', '--run', `r${r}`, '--file', join(dir, 'long.jsonl'), '-q');
  const sel = Array.from({ length: 10 }, (_, r) => `bench/r${r}`).join(',');
  const { ui, url } = await serve(c);
  // a smoothing weight typed in: from the change to both charts (or the one) drawn again
  const smoothing = (page) => page.evaluate(() => new Promise((resolve) => {
    const box = document.getElementById('smooth-value');
    const before = document.body.dataset.drawn;
    const start = performance.now();
    box.value = '0.9';
    box.dispatchEvent(new Event('change'));
    const wait = () => (document.body.dataset.drawn !== before
      ? requestAnimationFrame(() => resolve(performance.now() - start)) : setTimeout(wait, 1));
    wait();
  }));
  const charts = [];
  const smooth = [];
  const smoothOne = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const { page, ms } = await ready(url, `#/models/long/runs?owner=*&sel=${sel}`);
    charts.push(ms);
    smooth.push(await smoothing(page));
    await page.close();
    const one = await ready(url, `#/models/long/runs?owner=*&sel=${sel}&m=loss`);
    smoothOne.push(await smoothing(one.page));
    await one.page.close();
  }
  rows.push(['charts ready, 10 runs x 100,000 points (2 metrics)', median(charts), 1500]);
  rows.push(['smoothing them: 2 charts of 10 curves (slider change to drawn)', median(smooth), 50]);
  rows.push(['smoothing them: 1 chart of 10 curves', median(smoothOne), 50]);
  ui.kill();

  console.log(`| work (median of ${REPEAT}) | ms | goal ms |`);
  console.log('|---|---:|---:|');
  for (const [what, ms, goal] of rows) console.log(`| ${what} | ${ms.toFixed(0)} | ${goal} |`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
