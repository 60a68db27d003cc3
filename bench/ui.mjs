// How fast the runs page of 1,000 runs loads in headless Chromium (issue 5's "under a second"),
// and the JSON endpoint behind it. Usage (after `bash tests/browser/run` installed Chromium and
// playwright-core):  node bench/ui.mjs [RUNS]    (builds nothing: uses target/release/mfile)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const RUNS = Number(process.argv[2] || 1000);
const REPEAT = 5;
const BIN = new URL('../target/release/mfile', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mfile-bench-ui-'));
const env = { ...process.env, MFILE_CENTER: join(dir, 'center'), MFILE_USER: 'alice' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const seedStart = Date.now();
  for (let i = 0; i < RUNS; i += 1) {
    const run = `run-${String(i).padStart(4, '0')}`;
    execFileSync(BIN, ['log-param', '-m', 'm', '--run', run, `lr=${[0.1, 0.01, 0.001][i % 3]}`,
      `batch=${[32, 64][i % 2]}`, 'opt=adam', `seed=${i}`, '-q'], { env });
    const lines = Array.from({ length: 20 }, (_, s) => JSON.stringify({ loss: 1 / (s + 1 + i % 7), acc: s / 20 }));
    const file = join(dir, 'm.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    execFileSync(BIN, ['log-metric', '-m', 'm', '--run', run, '--file', file, '-q'], { env });
  }
  console.log(`seeded ${RUNS} runs (4 params, 2 metrics x 20 steps each) in ${(Date.now() - seedStart) / 1000} s`);

  const ui = spawn(BIN, ['ui', '--bind', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve) => createInterface({ input: ui.stdout }).once('line', (l) => resolve(l.trim())));
  const api = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const start = performance.now();
    const doc = await (await fetch(`${url}api/models/m/runs`)).json();
    api.push(performance.now() - start);
    if (doc.runs.length !== RUNS) throw new Error(`${doc.runs.length} runs`);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page_ms = [];
  const all_ms = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const start = performance.now();
    await page.goto(`${url}#/models/m/runs?owner=*`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    page_ms.push(performance.now() - start);
    const rows = await page.$$eval('tbody tr', (trs) => trs.length);
    if (rows !== Math.min(RUNS, 200)) throw new Error(`${rows} rows`);
    const expand = performance.now();
    while (await page.$('button.more')) await page.click('button.more');
    all_ms.push(performance.now() - expand);
    const all = await page.$$eval('tbody tr', (trs) => trs.length);
    if (all !== RUNS) throw new Error(`${all} rows after "show more"`);
    await page.close();
  }
  await browser.close();
  ui.kill();
  console.log(`| measurement (${REPEAT} runs, median) | ms |\n|---|---:|`);
  console.log(`| GET /api/models/m/runs, ${RUNS} runs | ${median(api).toFixed(0)} |`);
  console.log(`| runs page of ${RUNS} runs: navigation to table (first 200 rows) + 5 charts drawn | ${median(page_ms).toFixed(0)} |`);
  console.log(`| then "show more" until all ${RUNS} rows are in the table | ${median(all_ms).toFixed(0)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
