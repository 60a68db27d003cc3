// How long the runs page takes in headless Chromium when runs have many metric keys (issue 10,
// item 14: 1,000 keys took 53 s, 3,000 hung the tab). Five runs, KEYS metrics of 20 steps
// each; the time from navigation until the table and the charts are drawn (median of 3, each
// bounded by 120 s). Usage (after `bash tests/browser/run`):
//   node bench/ui-metrics.mjs [KEYS] [MFILE_BINARY]     (default 1000, target/debug/mfile)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';

const KEYS = Number(process.argv[2] || 1000);
const BIN = process.argv[3] || new URL('../target/debug/mfile', import.meta.url).pathname;
const RUNS = 5;
const REPEAT = 3;
const LIMIT_MS = 120000;
const dir = mkdtempSync(join(tmpdir(), 'mfile-bench-metrics-'));
const env = { ...process.env, MFILE_CENTER: join(dir, 'center'), MFILE_USER: 'alice' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let ui;
let browser;
try {
  for (let r = 0; r < RUNS; r += 1) {
    const lines = [];
    for (let step = 0; step < 20; step += 1) {
      const line = { step };
      for (let k = 0; k < KEYS; k += 1) line[`m${k}`] = Math.sin(k + step / (r + 1));
      lines.push(JSON.stringify(line));
    }
    writeFileSync(join(dir, 'm.jsonl'), lines.join('\n') + '\n');
    execFileSync(BIN, ['log-metric', '-m', 'm', '--run', `r${r}`, '--file', join(dir, 'm.jsonl'), '-q'], { env });
  }
  ui = spawn(BIN, ['ui', '--bind', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve) => createInterface({ input: ui.stdout }).once('line', (l) => resolve(l.trim())));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const times = [];
  let charts = 0;
  for (let i = 0; i < REPEAT; i += 1) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const start = performance.now();
    await page.goto(`${url}#/models/m/runs?owner=*`);
    try {
      await page.waitForSelector('body[data-state="ready"]', { timeout: LIMIT_MS });
      times.push(performance.now() - start);
      charts = await page.$$eval('.chart', (c) => c.length);
    } catch {
      times.push(Infinity);
    }
    await page.close();
    if (times.at(-1) === Infinity) break; // a hung tab: once is enough
  }
  const shown = (ms) => (ms === Infinity ? `not drawn within ${LIMIT_MS / 1000} s` : `${(ms / 1000).toFixed(2)} s`);
  console.log(`${KEYS} metric keys x ${RUNS} runs: page drawn in ${shown(median(times))} ` +
    `(runs: ${times.map(shown).join(', ')}), ${charts} charts`);
} finally {
  await browser?.close();
  ui?.kill();
  rmSync(dir, { recursive: true, force: true });
}
