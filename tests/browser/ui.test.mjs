// The page and the report in a real headless Chromium: charts drawn by ECharts with one series
// per selected run and the right number of points, changed params highlighted, hostile strings
// shown as text, a running run's curve growing by itself, and a report that opens offline.
// Run by tests/browser/run (MFILE_BIN = the mfile binary; screenshots go to MFILE_SHOTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BIN = process.env.MFILE_BIN;
const SHOTS = process.env.MFILE_SHOTS || tmpdir();
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">';
const XSS_FILE = '<img src=x onerror=window.pwned=1>.txt';

let dir, env, ui, url, browser;

function mfile(...args) {
  return execFileSync(BIN, args, { env, cwd: dir, encoding: 'utf8' });
}

function points(run, key, from, to, f) {
  const lines = [];
  for (let step = from; step < to; step += 1) lines.push(JSON.stringify({ step, [key]: f(step) }));
  const file = join(dir, `${run}-${key}-${from}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  mfile('log-metric', '-m', 'm', '--run', run, '--file', file);
}

before(async () => {
  assert.ok(BIN, 'MFILE_BIN names the mfile binary');
  dir = mkdtempSync(join(tmpdir(), 'mfile-browser-'));
  // MFILE_CONFIG empty: no system config file (/etc/mfile/config.json) reaches the tests.
  env = { ...process.env, MFILE_CENTER: join(dir, 'center'), MFILE_CONFIG: '', MFILE_USER: 'alice', NO_COLOR: '1' };
  mkdirSync(join(dir, 'model', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'model', 'weights.bin'), 'weights');
  writeFileSync(join(dir, 'model', 'sub', 'config.json'), '{}');
  writeFileSync(join(dir, 'model', XSS_FILE), 'hostile name');
  mfile('import', 'model', '-m', 'm', '--version', 'v1');
  // r1 and r2 finished with 50 and 80 points; r3 still running with 10.
  mfile('log-param', '-m', 'm', '--run', 'r1', 'lr=0.1', 'opt=adam', `note=${XSS}`);
  points('r1', 'loss', 0, 50, (s) => 1 / (s + 1));
  points('r1', 'acc', 0, 50, (s) => s / 50);
  mfile('runs', 'end', '-m', 'm', '--run', 'r1');
  mfile('log-param', '-m', 'm', '--run', 'r2', 'lr=0.01', 'opt=adam', `note=${XSS}`);
  points('r2', 'loss', 0, 80, (s) => 2 / (s + 1));
  points('r2', 'acc', 0, 80, (s) => s / 80);
  mfile('runs', 'end', '-m', 'm', '--run', 'r2');
  mfile('log-param', '-m', 'm', '--run', 'r3', 'lr=0.1', 'opt=adam', `note=${XSS}`);
  points('r3', 'loss', 0, 10, (s) => 3 / (s + 1));
  mfile('tag', '-m', 'm', '--run', 'r2', 'stage=candidate');
  mfile('runs', 'note', '-m', 'm', '--run', 'r2', 'the smaller lr, kept for the next sweep over warmup lengths');

  // A run with 1,000 metrics: the page charts 24 of them and offers the rest in a picker.
  const wide = [];
  for (let step = 0; step < 5; step += 1) {
    const line = { step };
    for (let k = 0; k < 1000; k += 1) line[`k${String(k).padStart(4, '0')}`] = k + step;
    wide.push(JSON.stringify(line));
  }
  writeFileSync(join(dir, 'wide.jsonl'), wide.join('\n') + '\n');
  mfile('log-metric', '-m', 'wide', '--run', 'w1', '--file', join(dir, 'wide.jsonl'));

  // A model registry: v1 (@prod) and v2 (made by run `trainer`, tagged), whose files differ.
  mkdirSync(join(dir, 'reg1')); mkdirSync(join(dir, 'reg2'));
  writeFileSync(join(dir, 'reg1', 'model.bin'), 'weights 1');
  writeFileSync(join(dir, 'reg1', 'old.txt'), 'gone in v2');
  writeFileSync(join(dir, 'reg2', 'model.bin'), 'weights 2, longer');
  writeFileSync(join(dir, 'reg2', 'new.txt'), 'new in v2');
  mfile('import', join(dir, 'reg1') + '/', '-m', 'registry', '--version', 'v1');
  mfile('log-metric', '-m', 'registry', '--run', 'trainer', 'loss=0.5');
  mfile('import', join(dir, 'reg2') + '/', '-m', 'registry', '--version', 'v2', '--run', 'trainer');
  mfile('alias', 'set', '-m', 'registry', 'prod', 'v1');
  mfile('tag', '-m', 'registry', '--version', 'v2', 'stage=dev');

  // A run with train and validation metrics sharing stems (Keras' `loss`/`val_loss`).
  const keras = [];
  for (let step = 0; step < 20; step += 1) {
    keras.push(JSON.stringify({ step, loss: 1 / (step + 1), val_loss: 1.2 / (step + 1), acc: step / 20 }));
  }
  writeFileSync(join(dir, 'keras.jsonl'), keras.join('\n') + '\n');
  mfile('log-metric', '-m', 'stems', '--run', 's1', '--file', join(dir, 'keras.jsonl'));

  ui = spawn(BIN, ['ui', '--bind', '127.0.0.1:0'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    createInterface({ input: ui.stdout }).once('line', (line) => resolve(line.trim()));
    ui.once('exit', (code) => reject(new Error(`mfile ui exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  ui?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page that fails the test on any script error or dialog (an alert would be an injection). */
async function open(context, address) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(address);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
  return { page, problems };
}

/** What ECharts holds for every chart on the page: key -> [{name, points}]. */
function chartState(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.chart')].map((box) => {
    const option = echarts.getInstanceByDom(box).getOption();
    // a series removed with replaceMerge leaves a hole in getOption().series
    const series = option.series.filter(Boolean);
    // a curve's data is [x0, y0, x1, y1, ...] (a Float64Array)
    return [box.dataset.key, series.map((s) => ({ name: s.name, points: s.data.length / 2 }))];
  })));
}

test('runs page: charts per metric, one line per selected run, changed params highlighted', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/m/runs`);
  const charts = await chartState(page);
  assert.deepEqual(Object.keys(charts).sort(), ['acc', 'loss']);
  const byName = (series) => Object.fromEntries(series.map((s) => [s.name, s.points]));
  assert.deepEqual(byName(charts.loss), { r3: 10, r2: 80, r1: 50 });
  assert.deepEqual(byName(charts.acc), { r3: 0, r2: 80, r1: 50 });

  const changed = await page.$$eval('th.changed', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(changed, ['lr']);
  const plain = await page.$$eval('th.param:not(.changed)', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(plain.sort(), ['note', 'opt']);
  const notes = await page.$$eval('td', (tds, xss) => tds.filter((td) => td.textContent === xss).length, XSS);
  assert.equal(notes, 3, 'the hostile note shows as text in every row');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

  // Unticking a run removes its line; "only changed params" hides the others.
  await page.click('input[data-ref="alice/r2"]');
  await page.waitForFunction(() => echarts.getInstanceByDom(document.querySelector('.chart[data-key="loss"]')).getOption().series.filter(Boolean).length === 2);
  assert.deepEqual(byName((await chartState(page)).loss), { r3: 10, r1: 50 });
  await page.click('#only-changed');
  await page.waitForFunction(() => document.querySelectorAll('th.param').length === 1);
  assert.deepEqual(problems, []);
  await context.close();
});

/** The series of one chart: id -> {ys, xs, line type}. */
function chartSeries(page, key) {
  return page.evaluate((key) => {
    const option = echarts.getInstanceByDom(document.querySelector(`.chart[data-key="${key}"]`)).getOption();
    return {
      xAxis: option.xAxis[0].type,
      yAxis: option.yAxis[0].type,
      series: Object.fromEntries(option.series.filter(Boolean).map((s) => [s.id, {
        // data is [x0, y0, x1, y1, ...], NaN for a gap
        xs: Array.from(s.data).filter((_, i) => i % 2 === 0),
        ys: Array.from(s.data).filter((_, i) => i % 2 === 1).map((y) => (Number.isNaN(y) ? null : y)),
        type: s.lineStyle?.type, opacity: s.lineStyle?.opacity,
      }])),
    };
  }, key);
}

/** Changes a control as a user would, and waits until the charts have been drawn again. */
async function change(page, selector, action) {
  const before = await page.evaluate(() => document.body.dataset.drawn);
  await action(page.locator(selector));
  await page.waitForFunction((n) => document.body.dataset.drawn !== n, before);
}

/** TensorBoard's debiased EMA, written again here from its formula. */
function ema(values, w) {
  let last = 0;
  return values.map((v, i) => { last = last * w + (1 - w) * v; return last / (1 - w ** (i + 1)); });
}

test('curves: smoothing over a faint raw line, log y, wall time and time since start', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/m/runs?owner=*&sel=alice/r1&m=loss&smooth=0.6`);
  const api = await (await fetch(`${url}/api/models/m/runs/alice/r1/series?key=loss&time=1`)).json();
  const values = api.metrics.loss.points.map((p) => p[1]);
  let chart = await chartSeries(page, 'loss');
  assert.deepEqual(Object.keys(chart.series).sort(), ['alice/r1|loss', 'alice/r1|loss|raw']);
  assert.deepEqual(chart.series['alice/r1|loss|raw'].ys, values, 'the raw line is the data');
  assert.equal(chart.series['alice/r1|loss|raw'].opacity, 0.25);
  const smoothed = chart.series['alice/r1|loss'].ys;
  ema(values, 0.6).forEach((v, i) => assert.ok(Math.abs(smoothed[i] - v) < 1e-12, `point ${i}`));
  assert.notDeepEqual(smoothed, values);
  await page.screenshot({ path: join(SHOTS, 'curves-smoothed.png'), fullPage: true });

  await change(page, '#smooth-value', (box) => box.evaluate((input) => {
    input.value = '0';
    input.dispatchEvent(new Event('change'));
  }));
  chart = await chartSeries(page, 'loss');
  assert.deepEqual(Object.keys(chart.series), ['alice/r1|loss'], 'no raw line without smoothing');
  assert.deepEqual(chart.series['alice/r1|loss'].ys, values);
  assert.ok(!page.url().includes('smooth='), page.url());

  await change(page, '#log-y', (box) => box.click());
  assert.equal((await chartSeries(page, 'loss')).yAxis, 'log');
  assert.ok(page.url().includes('log=1'), page.url());

  await change(page, '#x-axis', (select) => select.selectOption('time'));
  chart = await chartSeries(page, 'loss');
  assert.equal(chart.xAxis, 'time');
  const started = Date.parse(api.started_at);
  assert.deepEqual(chart.series['alice/r1|loss'].xs, api.metrics.loss.points.map((p) => started + p[2]));
  assert.match(await page.textContent('#chart-note'), /r1: recorded in one batch/);

  await change(page, '#x-axis', (select) => select.selectOption('rel'));
  chart = await chartSeries(page, 'loss');
  assert.equal(chart.xAxis, 'value');
  assert.deepEqual(chart.series['alice/r1|loss'].xs, api.metrics.loss.points.map((p) => p[2] / 1000));

  // The address keeps the view: a reload draws the same.
  await page.reload();
  await page.waitForSelector('body[data-state="ready"]');
  chart = await chartSeries(page, 'loss');
  assert.equal(chart.yAxis, 'log');
  assert.equal(await page.inputValue('#x-axis'), 'rel');
  assert.deepEqual(problems, []);
  await context.close();
});

test('train and validation together: one chart per stem, the validation line dashed', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/stems/runs?owner=*`);
  const keys = () => page.$$eval('.chart', (boxes) => boxes.map((b) => b.dataset.key));
  assert.deepEqual(await keys(), ['acc', 'loss', 'val_loss']);
  await change(page, '#together', (box) => box.click());
  assert.deepEqual(await keys(), ['acc', 'loss']);
  assert.equal(await page.getAttribute('.chart[data-key="loss"]', 'data-keys'), 'loss,val_loss');
  const chart = await chartSeries(page, 'loss');
  assert.deepEqual(
    Object.fromEntries(Object.entries(chart.series).map(([id, s]) => [id, s.type])),
    { 'alice/s1|loss': 'solid', 'alice/s1|val_loss': 'dashed' });
  assert.ok(page.url().includes('g=1'), page.url());
  await page.screenshot({ path: join(SHOTS, 'curves-together.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('parallel coordinates: a line per run with its values, a brush filters the table and the scatter', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/m/runs?owner=*`);
  const api = await (await fetch(`${url}/api/models/m/runs`)).json();
  const parallel = () => page.evaluate(() => {
    const option = echarts.getInstanceByDom(document.querySelector('.parallel')).getOption();
    return { axes: option.parallelAxis.map((a) => a.name), rows: option.series[0].data.map((d) => [d.name, d.value]) };
  });
  const { axes, rows } = await parallel();
  assert.deepEqual(axes, ['lr', 'best(acc)', 'best(loss)']);
  assert.deepEqual(rows, api.runs.map((r) => [`alice/${r.name}`,
    [Number(r.params.lr.value), r.metrics.acc?.best ?? null, r.metrics.loss.best]]));
  await page.screenshot({ path: join(SHOTS, 'parallel.png'), fullPage: true });

  const tableRefs = () => page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref));
  const brush = async (intervals) => {
    const before = await page.evaluate(() => document.body.dataset.brushed);
    await page.evaluate((intervals) => echarts.getInstanceByDom(document.querySelector('.parallel'))
      .dispatchAction({ type: 'axisAreaSelect', parallelAxisId: 'lr', intervals }), intervals);
    await page.waitForFunction((n) => document.body.dataset.brushed !== n, before);
  };
  await brush([[0.05, 0.2]]);
  assert.deepEqual(await tableRefs(), ['alice/r3', 'alice/r1'], 'the runs with lr 0.1');
  assert.match(await page.textContent('.note'), /^2 of 3 runs \(brushed on 1 axis\)/);
  const scatter = await page.evaluate(() =>
    echarts.getInstanceByDom(document.querySelector('.scatter')).getOption().series[0].data);
  const r1 = api.runs.find((r) => r.name === 'r1');
  assert.deepEqual(scatter, [[0.1, r1.metrics.acc.best, 'alice/r1']], 'r3 has no acc');
  assert.ok(page.url().includes('b='), page.url());

  await page.reload();
  await page.waitForSelector('body[data-state="ready"]');
  assert.deepEqual(await tableRefs(), ['alice/r3', 'alice/r1'], 'the address keeps the brush');
  await brush([]);
  assert.deepEqual(await tableRefs(), ['alice/r3', 'alice/r2', 'alice/r1']);
  assert.deepEqual(problems, []);
  await context.close();
});

// A learning-rate sweep as people run one (the fixture of docs/ui-parallel.png): 16 runs over
// lr x batch x optimizer, whose final accuracy depends on them.
test('a sweep: a parallel line and a scatter point per run, lr on log axes, brushes on acc and lr', async () => {
  const sweep = [];
  for (const lr of [0.0001, 0.0003, 0.001, 0.003]) {
    for (const batch of [32, 128]) {
      for (const opt of ['adam', 'sgd']) {
        const name = `${opt}-lr${lr}-b${batch}`;
        const top = 0.95 - Math.abs(Math.log10(lr / 0.001)) * 0.08 - (opt === 'sgd' ? 0.05 : 0) - (batch === 128 ? 0.02 : 0);
        mfile('log-param', '-m', 'sweep', '--run', name, `lr=${lr}`, `batch=${batch}`, `opt=${opt}`, 'epochs=30');
        const lines = Array.from({ length: 30 }, (_, step) => JSON.stringify({
          step, loss: (1 - top) + 2 * Math.exp(-step / 6), acc: top * (1 - Math.exp(-step / 5)) }));
        writeFileSync(join(dir, 'sweep.jsonl'), lines.join('\n') + '\n');
        mfile('log-metric', '-m', 'sweep', '--run', name, '--file', join(dir, 'sweep.jsonl'));
        mfile('runs', 'end', '-m', 'sweep', '--run', name);
        sweep.push({ name, lr, top });
      }
    }
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const { page, problems } = await open(context, `${url}#/models/sweep/runs?owner=*&sx=lr&sy=best(acc)`);
  const option = (selector) => page.evaluate((s) => {
    const o = echarts.getInstanceByDom(document.querySelector(s)).getOption();
    return { axes: (o.parallelAxis || []).map((a) => [a.name, a.type]), xAxis: o.xAxis?.[0]?.type, data: o.series[0].data };
  }, selector);
  const parallel = await option('.parallel');
  assert.deepEqual(parallel.axes, [['batch', 'value'], ['lr', 'log'], ['opt', 'category'],
    ['best(acc)', 'value'], ['best(loss)', 'value']], 'changed params (lr spans 30x: log), then metrics');
  assert.equal(parallel.data.length, sweep.length);
  const scatter = await option('.scatter');
  assert.equal(scatter.xAxis, 'log', 'as the parallel axis of lr');
  assert.deepEqual(scatter.data.map(([x, , ref]) => [ref, x]).sort(),
    sweep.map((r) => [`alice/${r.name}`, r.lr]).sort());
  await page.uncheck('#scatter-logx');
  assert.equal((await option('.scatter')).xAxis, 'value');
  assert.ok(page.url().includes('sxlog=0'), page.url());
  await page.check('#scatter-logx');

  // keep the runs whose best accuracy is 0.9 or more: the table and the scatter show those
  const before = await page.evaluate(() => document.body.dataset.brushed);
  await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.parallel'))
    .dispatchAction({ type: 'axisAreaSelect', parallelAxisId: 'best(acc)', intervals: [[0.9, 1]] }));
  await page.waitForFunction((n) => document.body.dataset.brushed !== n, before);
  const kept = JSON.parse(mfile('runs', '-m', 'sweep', '--json', '--where', 'best(acc) >= 0.9')).runs
    .map((r) => `alice/${r.name}`).sort();
  assert.ok(kept.length > 0 && kept.length < sweep.length, `${kept}`);
  assert.deepEqual((await page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref))).sort(), kept);
  assert.deepEqual((await option('.scatter')).data.map((p) => p[2]).sort(), kept);
  await page.locator('.compare').screenshot({ path: join(SHOTS, 'sweep-parallel.png') });

  // a range of the log axis is one of values: 0.0002 to 0.002 keeps lr 0.0003 and 0.001
  const brushed = await page.evaluate(() => document.body.dataset.brushed);
  await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.parallel')).dispatchAction(
    { type: 'axisAreaSelect', parallelAxisId: 'best(acc)', intervals: [] }));
  await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.parallel')).dispatchAction(
    { type: 'axisAreaSelect', parallelAxisId: 'lr', intervals: [[0.0002, 0.002]] }));
  await page.waitForFunction((n) => Number(document.body.dataset.brushed) >= Number(n) + 2, brushed);
  assert.deepEqual((await page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref))).sort(),
    sweep.filter((r) => r.lr === 0.0003 || r.lr === 0.001).map((r) => `alice/${r.name}`).sort());
  assert.deepEqual(problems, []);
  await context.close();
});

// Keys are the user's text: `__proto__` and `constructor` are a param and metrics like any
// other (a plain object lookup would find JavaScript's own instead).
test('params and metrics named __proto__ and constructor', async () => {
  mfile('log-param', '-m', 'proto', '--run', 'p1', '__proto__=1', 'constructor=a');
  mfile('log-metric', '-m', 'proto', '--run', 'p1', '__proto__=0.5', 'constructor=0.25', 'loss=1');
  mfile('log-param', '-m', 'proto', '--run', 'p2', '__proto__=2', 'constructor=b');
  mfile('log-metric', '-m', 'proto', '--run', 'p2', 'loss=2');
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/proto/runs?owner=*&sel=alice/p1,alice/p2`);
  assert.equal(await page.$('p.error'), null);
  assert.deepEqual(await page.$$eval('th.param', (ths) => ths.map((th) => th.textContent)), ['__proto__', 'constructor']);
  assert.deepEqual(await page.$$eval('th.metric', (ths) => ths.map((th) => th.textContent.replace(/ .*/, ''))),
    ['__proto__', 'constructor', 'loss']);
  assert.deepEqual(await page.$$eval('tr[data-ref="alice/p2"] td.changed', (tds) => tds.map((td) => td.textContent)), ['2', 'b']);
  // (chartState's object would lose its `__proto__` key on the way out of the page)
  assert.deepEqual(await page.$$eval('.chart', (boxes) => boxes.map((b) => b.dataset.key)), ['__proto__', 'constructor', 'loss']);
  const charts = await chartState(page);
  assert.deepEqual(charts.constructor.map((s) => [s.name, s.points]).sort(), [['p1', 1], ['p2', 0]]);
  const axes = await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.parallel'))
    .getOption().parallelAxis.map((a) => a.name.replace('\u200b', ''))); // see chartText
  assert.deepEqual(axes, ['__proto__', 'constructor', 'last(__proto__)', 'last(constructor)', 'best(loss)']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('runs table: sort by a column, filter by a where expression and a tag, tags and notes shown', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/m/runs?owner=*`);
  const refs = () => page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref));
  assert.deepEqual(await refs(), ['alice/r3', 'alice/r2', 'alice/r1'], 'newest first');
  assert.equal(await page.textContent('td.tags'), '');
  assert.deepEqual(await page.$$eval('td.tags', (tds) => tds.map((td) => td.textContent)), ['', 'stage=candidate', '']);
  const note = await page.$$eval('td.note-cell', (tds) => tds.map((td) => [td.textContent, td.title]));
  assert.equal(note[1][1], 'the smaller lr, kept for the next sweep over warmup lengths');
  assert.ok(note[1][0].endsWith('…') && note[1][0].length === 40, note[1][0]);

  await page.click('th[data-sort="param(lr)"]');
  assert.deepEqual(await refs(), ['alice/r2', 'alice/r3', 'alice/r1'], 'lr ascending, ties in their order');
  await page.click('th[data-sort="param(lr)"]');
  assert.deepEqual(await refs(), ['alice/r3', 'alice/r1', 'alice/r2'], 'lr descending');
  assert.ok(page.url().includes('sort=-param%28lr%29'), page.url());
  await page.click('th[data-sort="last(acc)"]');
  assert.deepEqual(await refs(), ['alice/r1', 'alice/r2', 'alice/r3'], 'r3 has no acc: last');

  // an action that changes the address: wait until the page has been drawn again
  const reload = async (action) => {
    const before = await page.evaluate(() => document.body.dataset.rendered);
    await action();
    await page.waitForFunction((n) => document.body.dataset.rendered !== n
      && document.body.dataset.state === 'ready', before);
  };
  await reload(async () => {
    await page.fill('#where', 'lr < 0.05 and opt = \'adam\'');
    await page.press('#where', 'Enter');
  });
  assert.deepEqual(await refs(), ['alice/r2']);
  await reload(async () => {
    await page.fill('#where', 'lr >');
    await page.press('#where', 'Enter');
  });
  assert.match(await page.textContent('#where-error'), /invalid where at column 5/);
  assert.deepEqual(await refs(), []);
  await reload(async () => {
    await page.fill('#where', 'LR > 0');
    await page.press('#where', 'Enter');
  });
  assert.match(await page.textContent('#where-unknown'), /No run here has LR/);
  await reload(async () => {
    await page.fill('#where', '');
    await page.press('#where', 'Enter');
  });
  await reload(() => page.selectOption('#tag-filter', 'stage=candidate'));
  assert.deepEqual(await refs(), ['alice/r2']);

  // sorted by a metric that is not charted: its values are fetched for the order all the same
  const sorted = await open(context, `${url}#/models/m/runs?owner=*&m=loss&sort=last(acc)`);
  assert.deepEqual(await sorted.page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref)),
    ['alice/r1', 'alice/r2', 'alice/r3'], 'acc 0.98, 0.9875, none');
  assert.deepEqual([...problems, ...sorted.problems], []);
  await context.close();
});

test('a run with 1,000 metrics: 24 charts and table columns, a picker for the rest', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/wide/runs?owner=*`);
  const keys = async () => Object.keys(await chartState(page)).sort();
  const first = Array.from({ length: 24 }, (_, k) => `k${String(k).padStart(4, '0')}`);
  assert.deepEqual(await keys(), first);
  assert.equal(await page.$$eval('th.metric', (ths) => ths.length), 24);
  assert.equal((await chartState(page)).k0003[0].points, 5);

  // Untick one, tick another: its chart and column replace the first's.
  await page.click('.picker summary');
  await page.fill('.picker input[type=search]', 'k0999');
  assert.equal(await page.$$eval('.picker-list input', (boxes) => boxes.length), 25, 'the chosen ones and the match');
  assert.equal(await page.isDisabled('input[data-metric="k0999"]'), true, '24 are charted already');
  await page.click('input[data-metric="k0000"]');
  await page.click('input[data-metric="k0999"]');
  await page.waitForSelector('.chart[data-key="k0999"]');
  await page.waitForFunction(() => !document.querySelector('.chart[data-key="k0000"]'));
  assert.deepEqual(await keys(), [...first.slice(1), 'k0999']);
  assert.equal((await chartState(page)).k0999[0].points, 5);
  assert.ok(page.url().includes('m=k0999'), page.url());
  assert.equal(await page.$$eval('th.metric', (ths) => ths.length), 24);
  // the listing had the first 24 metrics' columns (max_metrics=24); k0999's came on its tick
  const headers = await page.$$eval('th.metric', (ths) => ths.map((th) => th.textContent));
  const cells = await page.$$eval('tr[data-ref="alice/w1"] td.num', (tds) => tds.slice(1).map((td) => td.textContent));
  assert.equal(cells[headers.findIndex((h) => h.startsWith('k0999'))], '1003', 'its last value, at step 4');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a running run grows on the page without a reload', async () => {
  const context = await browser.newContext();
  const { page, problems } = await open(context, `${url}#/models/m/runs?owner=alice&sel=alice/r3`);
  const r3points = () => chartState(page).then((c) => c.loss.find((s) => s.name === 'r3').points);
  assert.equal(await r3points(), 10);
  const listings = []; // the runs documents the refresh asks for
  page.on('request', (r) => {
    if (r.url().includes('/api/models/m/runs?')) listings.push(new URL(r.url()).searchParams);
  });
  points('r3', 'loss', 10, 40, (s) => 3 / (s + 1));
  await page.waitForFunction(() => {
    const chart = echarts.getInstanceByDom(document.querySelector('.chart[data-key="loss"]'));
    return chart.getOption().series[0].data.length === 2 * 40; // [x0, y0, x1, y1, ...]
  }, null, { timeout: 15000 });
  assert.ok(listings.length >= 1);
  for (const query of listings) {
    assert.deepEqual(query.getAll('run'), ['alice/r3'], 'only the running run is asked for');
  }
  await page.waitForSelector('tr[data-ref="alice/r3"] td[title^="40 points"]'); // its loss cell
  assert.deepEqual(await page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref)),
    ['alice/r3', 'alice/r2', 'alice/r1'], 'the finished runs stay listed');
  const parallel = await page.evaluate(() => {
    const option = echarts.getInstanceByDom(document.querySelector('.parallel')).getOption();
    const r3 = option.series[0].data.find((d) => d.name === 'alice/r3');
    return { axes: option.parallelAxis.map((a) => a.name), r3: r3.value, colour: r3.lineStyle.color };
  });
  assert.equal(parallel.r3[parallel.axes.indexOf('best(loss)')], 3 / 40, 'its parallel line moved too');
  const curve = await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.chart[data-key="loss"]'))
    .getOption().series.find((s) => s.id === 'alice/r3|loss').color);
  assert.equal(parallel.colour, curve, 'in the colour of its curve');
  assert.deepEqual(problems, []);
  await context.close();
});

test('versions: alias badges, tags, the run that made a version (linked), and a diff', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/models/registry?from=v1&to=v2`);
  const cell = (version, column) => page.textContent(`tr[data-version="${version}"] td.${column}`);
  assert.equal(await cell('v1', 'aliases'), '@prod');
  assert.equal(await cell('v2', 'aliases'), '@latest');
  assert.equal(await cell('v2', 'tags'), 'stage=dev');
  const diff = await page.$$eval('#diff tbody tr', (trs) => trs.map((tr) => [tr.dataset.path, tr.cells[0].textContent]));
  assert.deepEqual(diff, [['model.bin', 'changed'], ['new.txt', 'added'], ['old.txt', 'removed']]);
  const api = await (await fetch(`${url}/api/models/registry/diff?from=v1&to=v2`)).json();
  assert.deepEqual(api, JSON.parse(mfile('diff', '-m', 'registry', 'v1', 'v2', '--json')), 'the CLI\'s document');
  await page.screenshot({ path: join(SHOTS, 'versions.png'), fullPage: true });

  await page.click('tr[data-version="v2"] a.made-by');
  await page.waitForFunction(() => location.hash.includes('/runs?') && document.body.dataset.state === 'ready'
    && document.querySelector('tbody tr[data-ref]'));
  const rows = await page.$$eval('tbody tr[data-ref]', (trs) => trs.map((tr) => tr.dataset.ref));
  assert.deepEqual(rows, ['alice/trainer']);
  assert.equal(await page.isChecked('input[data-ref="alice/trainer"]'), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('models, versions and files with working download links', async () => {
  const context = await browser.newContext();
  const { page, problems } = await open(context, `${url}#/`);
  assert.equal(await page.textContent('td a[href="#/models/m"]'), 'm');
  await page.click('td a[href="#/models/m"]');
  await page.waitForSelector('a[href="#/models/m/versions/v1"]');
  await page.click('a[href="#/models/m/versions/v1"]');
  await page.waitForSelector('td.mono');
  const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
  assert.deepEqual(rows, [XSS_FILE, 'sub/config.json', 'weights.bin']);
  const href = await page.getAttribute('tbody tr:first-child a', 'href');
  const body = await page.evaluate((h) => fetch(h).then((r) => r.text()), href);
  assert.equal(body, 'hostile name');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await page.screenshot({ path: join(SHOTS, 'files.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the report opens offline and draws its charts', async () => {
  const file = join(dir, 'report.html');
  mfile('report', '-m', 'm', '--out', file);
  const context = await browser.newContext({ offline: true, viewport: { width: 1400, height: 1000 } });
  const requests = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url().startsWith('file:') ? route.continue() : route.abort();
  });
  const { page, problems } = await open(context, `file://${file}`);
  const charts = await chartState(page);
  assert.deepEqual(Object.keys(charts).sort(), ['acc', 'loss']);
  assert.equal(charts.loss.length, 3, 'every run in the report is plotted');
  assert.deepEqual(requests, [`file://${file}`], 'the report fetches nothing');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });

  // The page's views, from the data inside the file: parallel coordinates with a line per
  // run, and curves as the address sets them (smoothed, log y, time since start).
  const rows = await page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.parallel'))
    .getOption().series[0].data.map((d) => d.name));
  assert.deepEqual(rows.sort(), ['alice/r1', 'alice/r2', 'alice/r3']);
  await page.goto(`file://${file}#/models/m/runs?m=loss&smooth=0.6&log=1&x=rel`);
  await page.waitForSelector('body[data-state="ready"]');
  const curves = await chartSeries(page, 'loss');
  assert.equal(curves.yAxis, 'log');
  assert.equal(await page.inputValue('#x-axis'), 'rel');
  const r1 = curves.series['alice/r1|loss'].ys;
  assert.deepEqual(curves.series['alice/r1|loss|raw'].ys, Array.from({ length: 50 }, (_, s) => 1 / (s + 1)));
  ema(curves.series['alice/r1|loss|raw'].ys, 0.6).forEach((v, i) => assert.ok(Math.abs(r1[i] - v) < 1e-12));
  // a change is kept in the file's address, so a bookmark of the report keeps the view
  await change(page, '#log-y', (box) => box.click());
  assert.ok(!page.url().includes('log=1') && page.url().includes('smooth=0.6'), page.url());
  assert.deepEqual(problems, []);
  await context.close();
});

// Model_Log's users name projects and runs in Chinese: the page links, lists, downloads and
// charts them, and the report draws them.
test('names in Chinese: files, runs and charts on the page and in the report', async () => {
  const model = 'demo实体识别';
  mkdirSync(join(dir, 'zh', '数据'), { recursive: true });
  writeFileSync(join(dir, 'zh', '数据', '训练.csv'), 'a,b\n');
  mfile('import', 'zh', '-m', model, '--version', '第一版');
  mfile('log-param', '-m', model, '--run', '第一次', '学习率=0.1');
  const lines = [0, 1, 2].map((step) => JSON.stringify({ step, 准确率: step / 2 }));
  writeFileSync(join(dir, 'zh.jsonl'), lines.join('\n') + '\n');
  mfile('log-metric', '-m', model, '--run', '第一次', '--file', join(dir, 'zh.jsonl'));

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const { page, problems } = await open(context, `${url}#/`);
  await page.click(`td a:text-is("${model}")`);
  await page.click('a:text-is("第一版")');
  await page.waitForSelector('td.mono');
  assert.deepEqual(await page.$$eval('tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent)),
    ['数据/训练.csv']);
  const href = await page.getAttribute('tbody tr:first-child a', 'href');
  assert.equal(await page.evaluate((h) => fetch(h).then((r) => r.text()), href), 'a,b\n');

  const runs = await open(context, `${url}#/models/${encodeURIComponent(model)}/runs`);
  assert.deepEqual(await chartState(runs.page), { 准确率: [{ name: '第一次', points: 3 }] });
  assert.ok(await runs.page.isVisible('th:text-is("学习率")'));
  await runs.page.screenshot({ path: join(SHOTS, 'chinese.png'), fullPage: true });
  assert.deepEqual([...problems, ...runs.problems], []);
  await context.close();

  const file = join(dir, 'zh.html');
  mfile('report', '-m', model, '--out', file);
  const offline = await browser.newContext({ offline: true });
  const report = await open(offline, `file://${file}`);
  assert.deepEqual(await chartState(report.page), { 准确率: [{ name: '第一次', points: 3 }] });
  assert.deepEqual(report.problems, []);
  await offline.close();
});

// Two machines on a bucket center (the S3 test server of tests/s3/server, when its variables
// are set): one runs `mfile track`, the other serves the page, whose chart of the live run
// grows by itself, each point there within 10 s of its printing.
const S3 = process.env.MFILE_TEST_S3_ENDPOINT;
test('a bucket center: a run tracked on one machine grows on another machine\'s page', {
  skip: !S3 && !process.env.MFILE_REQUIRE_S3 && 'no S3 test server (tests/s3/server start)',
}, async () => {
  assert.ok(S3, 'MFILE_REQUIRE_S3 is set: the S3 test server must run');
  const center = `s3://${process.env.MFILE_TEST_S3_BUCKET}/browser-${Date.now()}`;
  const machine = (name) => ({
    ...process.env, MFILE_CENTER: center, AWS_ENDPOINT_URL: S3, MFILE_USER: 'alice',
    XDG_DATA_HOME: join(dir, name), MFILE_CONFIG: '', NO_COLOR: '1',
  });
  const trainer = machine('trainer');
  const watcher = machine('watcher');
  execFileSync(BIN, ['log-param', '-m', 'live', '--run', 't', 'lr=0.1'], { env: trainer, cwd: dir });
  const progress = join(dir, 'progress');
  const script = 'import json, sys, time\n'
    + 'for i in range(300):\n'  // longer than the four looks below take; killed after them
    + '    print(json.dumps({"loss": 1.0 / (i + 1)}), flush=True)\n'
    + '    open(sys.argv[1], "w").write(str(i + 1))\n'
    + '    time.sleep(0.2)\n';
  const track = spawn(BIN, ['track', '-m', 'live', '--run', 't', '--', 'python3', '-c', script, progress],
    { env: trainer, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const page_ui = spawn(BIN, ['ui', '--bind', '127.0.0.1:0'], { env: watcher, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const address = await new Promise((resolve, reject) => {
      createInterface({ input: page_ui.stdout }).once('line', (line) => resolve(line.trim()));
      page_ui.once('exit', (code) => reject(new Error(`mfile ui exited with ${code}`)));
    });
    // The page opens once the run has a chart to show (its first points are in the bucket).
    const started = Date.now();
    const listed = () => JSON.parse(execFileSync(BIN, ['runs', '-m', 'live', '--json'], { env: watcher, cwd: dir }));
    while (!listed().runs.some((r) => r.name === 't' && r.metrics.loss)) {
      assert.ok(Date.now() - started < 20000, 'the run\'s first points did not reach the bucket');
      await new Promise((r) => setTimeout(r, 250));
    }
    const context = await browser.newContext();
    const { page, problems } = await open(context, `${address}#/models/live/runs?owner=alice&sel=alice/t`);
    const printed = () => { try { return Number(readFileSync(progress, 'utf8')) || 0; } catch { return 0; } };
    const shown = () => page.evaluate(() => {
      const box = document.querySelector('.chart[data-key="loss"]');
      const series = box ? echarts.getInstanceByDom(box).getOption().series.filter(Boolean) : [];
      return series.length ? series[0].data.length / 2 : 0; // [x0, y0, x1, y1, ...]
    });
    const readings = [];
    for (let look = 0; look < 4; look += 1) {
      const mark = printed();
      const start = Date.now();
      // What was printed by now shows within 10 s.
      while ((await shown()) < mark) {
        assert.ok(Date.now() - start < 10000, `${mark} points printed; the page shows ${await shown()} after 10 s`);
        await new Promise((r) => setTimeout(r, 250));
      }
      readings.push(await shown());
      await new Promise((r) => setTimeout(r, 3000));
    }
    const grew = readings.filter((n, i) => i > 0 && n > readings[i - 1]).length;
    assert.ok(grew >= 2, `the curve grew: ${readings}`);
    await page.screenshot({ path: join(SHOTS, 'bucket-live.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    track.kill();
    page_ui.kill();
  }
});
