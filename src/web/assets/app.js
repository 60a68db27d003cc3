// mfile's page: models -> versions -> files, and a model's runs with one ECharts chart per
// metric. Every value read from the center enters the page as text (textContent, or escaped for
// chart tooltips), never as HTML. In a report file the data comes from the embedded
// JSON element "mfile-data" instead of /api/.
'use strict';
(function () {
  const embedded = document.getElementById('mfile-data');
  const REPORT = embedded ? JSON.parse(embedded.textContent) : null;
  const REPORT_RUNS = REPORT && fromColumns(REPORT.runs);
  const REFRESH_MS = 3000;
  // Running runs are refreshed by name (`run=`, in at most this many characters of address:
  // the server reads requests of up to 64 KiB); the whole listing every FULL_REFRESH ticks.
  const MAX_REFRESH_NAMES = 16 * 1024;
  const FULL_REFRESH = 10;
  const DEFAULT_SELECTED = 5;
  // Rows drawn at first and per "show more": laying out a table of 1,000 runs takes longer
  // than everything else on the page together.
  const PAGE_ROWS = 200;
  // Metrics charted (and shown in the table) at once: each chart costs tens of milliseconds,
  // and 1,000 of them took Chromium 53 s. The picker chooses which.
  const MAX_METRICS = 24;
  // Metrics listed in the picker at once (narrowed by its filter).
  const PICKER_ROWS = 200;
  const app = document.getElementById('app');
  const crumbs = document.getElementById('crumbs');
  const charts = new Map(); // metric key -> ECharts instance
  const stepsOf = new Map(); // a curve's series id -> the step of each of its points
  let info = null;
  let generation = 0; // bumped on every navigation; stale answers are dropped
  let timer = null;

  // ---- small helpers ----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child != null) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }

  const enc = encodeURIComponent;

  async function get(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
    return body;
  }

  /** `1 run`, `2 runs`; `1 axis`, `2 axes` with the plural given. */
  function count(n, noun, plural = `${noun}s`) {
    return `${n} ${n === 1 ? noun : plural}`;
  }

  function humanSize(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
  }

  function humanDuration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }

  // One formatter for every date: toLocaleString() builds one per call, which shows in a table
  // of a thousand runs.
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  function when(text) {
    const date = new Date(text);
    return isNaN(date) ? text : dateFormat.format(date);
  }

  /// Text for ECharts: its text-width cache keeps texts as keys of a plain object, where
  /// `__proto__` breaks it (a page error); a zero-width space after it keeps the look.
  function chartText(text) {
    return text === '__proto__' ? '__proto__\u200b' : text;
  }

  function showValue(value) {
    if (typeof value !== 'number') return String(value); // "NaN", "Infinity", "-Infinity"
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
    const short = Number(value.toPrecision(6));
    return String(short);
  }

  // ---- curves: smoothing, axes, train/validation stems (pure) -------------------------------

  // ECharts' default palette: a run keeps its colour on every chart and in both of its lines.
  const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452',
    '#9a60b4', '#ea7ccc'];
  const X_MODES = { step: 'step', time: 'wall time', rel: 'time since start' };
  // Parallel coordinates: at most this many axes, and a text param with more distinct values
  // than this gets none (its axis would be unreadable).
  const MAX_AXES = 12;
  const MAX_CATEGORIES = 50;
  // A param axis whose positive values span this factor or more is logarithmic.
  const LOG_SPAN = 20;
  const COMPARE = '\u0000'; // prefix of the parallel and scatter charts' ids in `charts`

  /// TensorBoard's debiased exponential moving average (its line_chart_v2 data_transformer):
  /// weight `w` in [0, 1); a gap (null) stays a gap and is not counted; a series whose values
  /// are all equal is returned as it is. Never changes `values`.
  function ema(values, w) {
    const finite = values.filter(Number.isFinite);
    if (!(w > 0) || finite.every((v) => v === finite[0])) return values.slice();
    let last = 0;
    let n = 0;
    return values.map((v) => {
      if (!Number.isFinite(v)) return v;
      last = last * w + (1 - w) * v;
      n += 1;
      return last / (w === 1 ? 1 : 1 - w ** n);
    });
  }

  /// `val_loss` -> {stem: 'loss', role: 'val'}; a key without a role prefix is `train`'s.
  function stem(key) {
    const found = /^(train|training|val|valid|validation|eval|dev|test)[_/.-](.+)$/i.exec(key);
    if (!found) return { stem: key, role: 'train' };
    const role = found[1].toLowerCase();
    return { stem: found[2], role: role.startsWith('train') ? 'train' : role === 'test' ? 'test' : 'val' };
  }

  /// The charts to draw: one per key, or with `together` one per stem that has keys in two
  /// roles or more (`loss` and `val_loss`). Each is {id, keys}.
  function chartGroups(keys, together) {
    if (!together) return keys.map((key) => ({ id: key, keys: [key] }));
    const byStem = new Map();
    for (const key of keys) {
      const { stem: name } = stem(key);
      if (!byStem.has(name)) byStem.set(name, []);
      byStem.get(name).push(key);
    }
    const groups = [];
    for (const key of keys) {
      const group = byStem.get(stem(key).stem);
      if (new Set(group.map((k) => stem(k).role)).size > 1) {
        if (group[0] === key) groups.push({ id: stem(key).stem, keys: group });
      } else {
        groups.push({ id: key, keys: [key] });
      }
    }
    return groups;
  }

  /// A run's value for an axis (`{kind: 'param'|'metric', key, pick}`): a number, text, or
  /// null when it has none (NaN and infinities are none).
  function axisValue(run, axis) {
    if (axis.kind === 'param') {
      const value = run.params[axis.key]?.value;
      if (value == null) return null;
      if (!axis.numeric) return chartText(value);
      const number = Number(value);
      return Number.isFinite(number) ? number : null;
    }
    const metric = run.metrics[axis.key];
    const value = metric ? metric[axis.pick] : null;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  /// The parallel chart's axes: each changed param (numeric, or text with few values), then
  /// each charted metric as its best (when it has a direction) or last value; at most MAX_AXES.
  function parallelAxes(doc, metricKeys) {
    const axes = [];
    for (const key of doc.changed_params) {
      const values = doc.runs.map((r) => r.params[key]?.value).filter((v) => v != null);
      const numeric = values.length > 0 && values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
      const categories = numeric ? null : [...new Set(values)].sort().map(chartText);
      if (categories && categories.length > MAX_CATEGORIES) continue;
      // a learning rate's 1e-4 .. 1e-2 would crowd its small values at one end
      const numbers = numeric ? values.map(Number) : [];
      const lo = numbers.reduce((a, b) => Math.min(a, b), Infinity);
      const hi = numbers.reduce((a, b) => Math.max(a, b), -Infinity);
      const log = lo > 0 && hi / lo >= LOG_SPAN;
      axes.push({ id: key, kind: 'param', key, numeric, categories, log });
    }
    for (const key of metricKeys) {
      const direction = doc.runs.map((r) => r.metrics[key]?.direction).find(Boolean);
      const pick = direction ? 'best' : 'last';
      axes.push({ id: `${pick}(${key})`, kind: 'metric', key, pick, numeric: true });
    }
    return axes.slice(0, MAX_AXES);
  }

  /// Whether `value` lies in one of an axis's brushed intervals (a category by its index).
  function inIntervals(axis, value, intervals) {
    if (value == null) return false;
    const x = axis.numeric ? value : axis.categories.indexOf(value);
    return intervals.some(([lo, hi]) => lo <= x && x <= hi);
  }

  /// The runs every brushed axis keeps.
  function brushed(state) {
    const axes = new Map((state.axes || []).map((a) => [a.id, a]));
    const active = Object.entries(state.brush).filter(([id, iv]) => axes.has(id) && iv.length);
    if (!active.length) return state.doc.runs;
    return state.doc.runs.filter((run) =>
      active.every(([id, intervals]) => inIntervals(axes.get(id), axisValue(run, axes.get(id)), intervals)));
  }

  function table(headers, rows) {
    const head = el('tr', null, headers.flat().filter((h) => h != null).map((h) =>
      (h instanceof Node ? h : el('th', { class: h.num ? 'num' : null }, h.text ?? h))));
    return el('div', { class: 'table-wrap' },
      el('table', null, el('thead', null, head), el('tbody', null, rows)));
  }

  function setCrumbs(...items) {
    crumbs.replaceChildren(...items.flatMap((item, i) => [i ? ' / ' : '', item]));
  }

  function show(gen, ...nodes) {
    if (gen !== generation) return false;
    app.replaceChildren(...nodes);
    return true;
  }

  // ---- models, versions, files --------------------------------------------------------------

  async function showModels(gen) {
    const doc = await get('/api/models');
    setCrumbs('models');
    const rows = doc.models.map((m) => el('tr', null,
      el('td', null, el('a', { href: `#/models/${enc(m.model)}` }, m.model)),
      el('td', { class: 'num' }, m.versions),
      el('td', { class: 'num' }, m.files),
      el('td', { class: 'num' }, humanSize(m.bytes)),
      el('td', null, when(m.updated_at)),
      el('td', null, el('a', { href: `#/models/${enc(m.model)}/runs` }, 'runs')),
      el('td', { class: 'muted' }, m.description ?? '')));
    show(gen,
      el('h1', null, 'Models'),
      doc.models.length
        ? table(['model', { text: 'versions', num: 1 }, { text: 'files', num: 1 },
          { text: 'size', num: 1 }, 'updated', '', 'description'], rows)
        : el('p', { class: 'muted' }, 'The center has no models yet: `mfile import` puts files in.'));
  }

  async function showVersions(gen, model, params) {
    const doc = await get(`/api/models/${enc(model)}/versions`);
    setCrumbs(el('a', { href: '#/' }, 'models'), model);
    const badge = (alias) => el('span', { class: alias === 'latest' ? 'badge muted' : 'badge' }, `@${alias}`);
    // "made by": the run's row on the runs page, ticked for its curves
    const runLink = (ref) => {
      const [owner, ...rest] = ref.split('/');
      const name = rest.join('/');
      const query = new URLSearchParams({ owner, where: `name = '${name}'`, sel: ref });
      return el('a', { class: 'made-by', href: `#/models/${enc(model)}/runs?${query}` }, ref);
    };
    const rows = doc.versions.map((v) => el('tr', { 'data-version': v.version },
      el('td', null, el('a', { href: `#/models/${enc(model)}/versions/${enc(v.version)}` }, v.version)),
      el('td', { class: 'num' }, v.files),
      el('td', { class: 'num' }, humanSize(v.bytes)),
      el('td', null, when(v.updated_at)),
      el('td', { class: 'aliases' }, v.aliases.map(badge)),
      el('td', { class: 'tags' }, Object.entries(v.tags || {}).map(([k, val]) => `${k}=${val}`).join(' ')),
      el('td', null, v.runs.flatMap((ref, i) => [i ? ' ' : null, runLink(ref)])),
      el('td', { class: 'muted' }, v.description ?? '')));
    const names = doc.versions.map((v) => v.version);
    const from = params.get('from') ?? names[1] ?? names[0];
    const to = params.get('to') ?? names[0];
    const pick = (id, value) => {
      const select = el('select', { id, onchange: () => {
        location.hash = `#/models/${enc(model)}?${new URLSearchParams({ from: fromSelect.value, to: toSelect.value })}`;
      } }, names.map((n) => el('option', { value: n }, n)));
      select.value = value;
      return select;
    };
    const fromSelect = pick('diff-from', from);
    const toSelect = pick('diff-to', to);
    const diffBox = el('div', { id: 'diff' });
    if (!show(gen,
      el('h1', null, `Model ${model}`),
      el('p', null, el('a', { href: `#/models/${enc(model)}/runs` },
        `Training runs (${count(doc.run_owners.length, 'user')})`)),
      el('h2', null, 'Versions'),
      table(['version', { text: 'files', num: 1 }, { text: 'size', num: 1 }, 'updated',
        'aliases', 'tags', 'made by run', 'description'], rows),
      ...(names.length > 1 ? [el('h2', null, 'Compare two versions'),
        el('div', { class: 'controls' }, el('label', null, 'from', fromSelect), el('label', null, 'to', toSelect)),
        diffBox] : []))) return;
    if (names.length > 1) await showDiff(gen, model, from, to, diffBox);
  }

  /// The files added, removed and changed from one version to another (`mfile diff`).
  async function showDiff(gen, model, from, to, box) {
    const doc = await get(`/api/models/${enc(model)}/diff?${new URLSearchParams({ from, to })}`);
    if (gen !== generation) return;
    const t = doc.totals;
    const size = (n) => (n == null ? '' : humanSize(n));
    const rows = doc.files.map((f) => el('tr', { 'data-path': f.path },
      el('td', { class: `change-${f.change}` }, f.change),
      el('td', null, f.path),
      el('td', { class: 'num' }, size(f.size_before)),
      el('td', { class: 'num' }, size(f.size_after))));
    box.replaceChildren(
      el('p', { class: 'note' }, `${from} → ${to}: ${t.added} added, ${t.removed} removed, ` +
        `${t.changed} changed, ${count(t.unchanged, 'file')} unchanged`),
      doc.files.length ? table(['change', 'path', { text: from, num: 1 }, { text: to, num: 1 }], rows) : []);
  }

  async function showFiles(gen, model, version) {
    const doc = await get(`/api/models/${enc(model)}/versions/${enc(version)}/files`);
    setCrumbs(el('a', { href: '#/' }, 'models'),
      el('a', { href: `#/models/${enc(model)}` }, model), version);
    const rows = doc.files.map((f) => el('tr', null,
      el('td', null, f.path),
      el('td', { class: 'num' }, humanSize(f.size)),
      el('td', null, when(f.modified_at)),
      el('td', { class: 'mono' }, f.md5),
      el('td', null, el('a', { href: f.download, download: '' }, 'download'))));
    const total = doc.files.reduce((sum, f) => sum + f.size, 0);
    show(gen,
      el('h1', null, `${model} / ${version}`),
      el('p', { class: 'muted' }, `${count(doc.files.length, 'file')}, ${humanSize(total)}`),
      table(['path', { text: 'size', num: 1 }, 'modified', 'md5', ''], rows));
  }

  // ---- runs and charts ----------------------------------------------------------------------

  function refOf(run) { return `${run.owner}/${run.name}`; }

  /// The runs document from its column form (`shape=columns`, a fifth of the size at 10,000
  /// runs): each run gets back `params` {key: {value}} and `metrics` {key: {count, last, ...}}
  /// for the metrics that had columns (`columned`); `metric_keys` names them all.
  function fromColumns(doc) {
    const params = Object.entries(doc.params);
    const metrics = Object.entries(doc.metrics);
    const runs = doc.runs.map((head, i) => {
      // no prototype: a key may be `__proto__` or `constructor`
      const run = { ...head, params: Object.create(null), metrics: Object.create(null) };
      for (const [key, values] of params) {
        if (values[i] != null) run.params[key] = { value: values[i] };
      }
      for (const [key, c] of metrics) {
        if (c.count[i] == null) continue;
        run.metrics[key] = { count: c.count[i], last: c.last[i], last_step: c.last_step[i],
          best: c.best[i], best_step: c.best_step[i], direction: c.direction };
      }
      return run;
    });
    return { ...doc, runs, columned: new Set(Object.keys(doc.metrics)), params: undefined, metrics: undefined };
  }

  /// The runs the filters choose (or only the runs `only` names), with the columns of the
  /// metrics `metrics` names (else the first MAX_METRICS by name) and of the one `sort` uses.
  async function loadRuns(model, filters, { only, metrics, sort } = {}) {
    if (REPORT) return REPORT_RUNS;
    const query = new URLSearchParams({ shape: 'columns' });
    if (filters.owner !== '*') query.set('owner', filters.owner);
    if (filters.status) query.set('status', filters.status);
    if (filters.where) query.set('where', filters.where);
    if (filters.tag) query.set('tag', filters.tag);
    for (const ref of only || []) query.append('run', ref);
    for (const key of metrics || []) query.append('metric', key);
    if (!metrics?.length) query.set('max_metrics', String(MAX_METRICS));
    const sorted = /^last\((.*)\)$/.exec(sort?.key ?? '');
    if (sorted) query.append('metric', sorted[1]);
    return fromColumns(await get(`/api/models/${enc(model)}/runs?${query}`));
  }

  /// The series of `run` for the metrics in `keys` (a report holds them all).
  async function loadSeries(model, run, keys) {
    if (REPORT) return REPORT.series[refOf(run)];
    const query = new URLSearchParams({ time: '1' });
    for (const key of keys) query.append('key', key);
    return get(`/api/models/${enc(model)}/runs/${enc(run.owner)}/${enc(run.name)}/series?${query}`);
  }

  function runsHash(state, filters) {
    const { model, selected, metrics, view } = state;
    const query = new URLSearchParams();
    query.set('owner', filters.owner);
    if (filters.status) query.set('status', filters.status);
    if (filters.onlyChanged) query.set('changed', '1');
    if (filters.where) query.set('where', filters.where);
    if (filters.tag) query.set('tag', filters.tag);
    if (state.sort) query.set('sort', (state.sort.descending ? '-' : '') + state.sort.key);
    query.set('sel', [...selected].join(','));
    for (const key of metrics || []) query.append('m', key);
    if (view.smooth > 0) query.set('smooth', String(view.smooth));
    if (view.log) query.set('log', '1');
    if (view.x !== 'step') query.set('x', view.x);
    if (view.together) query.set('g', '1');
    if (Object.keys(state.brush || {}).length) query.set('b', JSON.stringify(state.brush));
    if (state.scatter?.x) query.set('sx', state.scatter.x);
    if (state.scatter?.y) query.set('sy', state.scatter.y);
    if (state.scatter?.logX != null) query.set('sxlog', state.scatter.logX ? '1' : '0');
    return `#/models/${enc(model)}/runs?${query}`;
  }

  /// The view in the address (a report's too), so that a link or bookmark reproduces it.
  function keepInAddress(state) {
    history.replaceState(null, '', runsHash(state, state.filters));
  }

  /// How the curves are drawn, from the address.
  function viewOf(params) {
    const smooth = Math.min(0.999, Math.max(0, Number(params.get('smooth')) || 0));
    const x = X_MODES[params.get('x')] ? params.get('x') : 'step';
    return { smooth, log: params.get('log') === '1', x, together: params.get('g') === '1' };
  }

  async function showRuns(gen, model, params) {
    if (!REPORT && !info) info = await get('/api/info');
    const filters = {
      owner: params.get('owner') ?? null,
      status: params.get('status') ?? '',
      onlyChanged: params.get('changed') === '1',
      where: params.get('where') ?? '',
      tag: params.get('tag') ?? '',
    };
    let doc;
    let whereError = null;
    if (filters.owner === null) {
      // First visit: my runs when I have some here, everyone's otherwise.
      const owners = REPORT ? [] : (await get(`/api/models/${enc(model)}/versions`)).run_owners;
      filters.owner = !REPORT && owners.includes(info.user) ? info.user : '*';
    }
    // The metrics shown: those named in the address (m=K, repeated), else the first ones.
    let named = params.getAll('m');
    const sort = sortOf(params.get('sort'));
    try {
      doc = await loadRuns(model, filters, { metrics: named, sort });
      named = named.filter((k) => doc.metric_keys.includes(k));
      if (!named.length && params.has('m')) doc = await loadRuns(model, filters, { sort }); // none is here
    } catch (err) {
      if (!filters.where) throw err;
      // a `where` that does not parse: the page stays, with the server's message under the box
      whereError = err.message;
      doc = { runs: [], run_owners: [], changed_params: [], unknown_keys: [], metric_keys: [], columned: new Set() };
    }
    const selected = new Set(params.has('sel')
      ? params.get('sel').split(',').filter(Boolean)
      : doc.runs.slice(0, REPORT ? doc.runs.length : DEFAULT_SELECTED).map(refOf));

    setCrumbs(REPORT ? 'report' : el('a', { href: '#/' }, 'models'),
      REPORT ? model : el('a', { href: `#/models/${enc(model)}` }, model), 'runs');
    const tableBox = el('div');
    const chartBox = el('div', { class: 'charts' });
    const noteBox = el('p', { class: 'note' });
    const allMetrics = doc.metric_keys;
    const metrics = new Set((named.length ? named : allMetrics).slice(0, MAX_METRICS));
    const pickerBox = el('div', { class: 'picker' });
    const chartNote = el('p', { class: 'note', id: 'chart-note' });
    const state = {
      model, filters, selected, doc, series: new Map(), tableBox, chartBox, noteBox, pickerBox,
      chartNote, rowsShown: PAGE_ROWS, allMetrics, metrics, view: viewOf(params),
      brush: brushOf(params), scatter: { x: params.get('sx'), y: params.get('sy'), logX: params.has('sxlog') ? params.get('sxlog') === '1' : null },
      compareBox: el('div', { class: 'compare' }), colours: new Map(),
      sort, whereError,
    };
    const controls = REPORT ? reportNote() : runControls(state);
    if (!show(gen, el('h1', null, `Runs of ${model}`), controls, tableBox, noteBox,
      el('h2', null, 'Params and metrics'), state.compareBox,
      el('h2', null, 'Charts'), pickerBox, curveControls(state), chartBox, chartNote)) return;
    renderPicker(state);
    renderCompare(state);
    renderRunsTable(state);
    await refreshSeries(gen, state, [...selected]);
    if (!REPORT) startRefresh(gen, state);
  }

  function reportNote() {
    return el('p', { class: 'muted' },
      `Report written ${when(REPORT.generated_at)} by mfile ${REPORT.mfile_version}.`);
  }

  function runControls(state) {
    const { filters } = state;
    const go = (change) => { location.hash = runsHash(state, { ...filters, ...change }); };
    const ownerSelect = el('select', { onchange: (e) => go({ owner: e.target.value }) },
      el('option', { value: '*' }, 'all users'),
      state.doc.run_owners.map((o) => el('option', { value: o }, o)));
    ownerSelect.value = filters.owner;
    const statusSelect = el('select', { onchange: (e) => go({ status: e.target.value }) },
      ['', 'running', 'finished', 'failed', 'killed'].map((s) =>
        el('option', { value: s }, s || 'any status')));
    statusSelect.value = filters.status;
    const changedBox = el('input', {
      type: 'checkbox', id: 'only-changed', checked: filters.onlyChanged,
      onchange: (e) => go({ onlyChanged: e.target.checked }),
    });
    const whereBox = el('input', {
      type: 'search', id: 'where', size: 40, value: filters.where,
      placeholder: "where, e.g. acc > 0.9 and opt = 'adam'", 'aria-label': 'where',
      onkeydown: (e) => { if (e.key === 'Enter') go({ where: e.target.value.trim() }); },
    });
    const pairs = [...new Set(state.doc.runs.flatMap((r) =>
      Object.entries(r.tags || {}).map(([k, v]) => `${k}=${v}`)))].sort();
    if (filters.tag && !pairs.includes(filters.tag)) pairs.unshift(filters.tag);
    const tagSelect = el('select', { id: 'tag-filter', onchange: (e) => go({ tag: e.target.value }) },
      el('option', { value: '' }, 'any tag'), pairs.map((p) => el('option', { value: p }, p)));
    tagSelect.value = filters.tag;
    const problems = [];
    if (state.whereError) problems.push(el('pre', { class: 'error', id: 'where-error' }, state.whereError));
    if (state.doc.unknown_keys?.length) {
      problems.push(el('p', { class: 'note', id: 'where-unknown' },
        `No run here has ${state.doc.unknown_keys.join(', ')} (keys are case-sensitive).`));
    }
    return el('div', null,
      el('div', { class: 'controls' },
        el('label', null, 'Owner', ownerSelect),
        el('label', null, 'Status', statusSelect),
        el('label', null, 'Tag', tagSelect),
        el('label', null, changedBox, 'only changed params')),
      el('div', { class: 'controls' }, el('label', null, 'Where', whereBox)),
      problems);
  }

  /// `sort=-KEY` of the address: {key, descending}, or null for the server's order (newest
  /// first).
  function sortOf(text) {
    if (!text) return null;
    return text.startsWith('-') ? { key: text.slice(1), descending: true } : { key: text, descending: false };
  }

  /// What a run has for a sort key, written as `runs --sort` writes keys: a field (`name`,
  /// `owner`, `status`, `started`, `duration`), `param(K)` or `last(K)`.
  function sortValue(run, key) {
    const found = /^(param|last)\((.*)\)$/.exec(key);
    if (found && found[1] === 'param') return run.params[found[2]]?.value ?? null;
    if (found) {
      const value = run.metrics[found[2]]?.last;
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    }
    return { name: run.name, owner: run.owner, status: run.status, started: run.started_at,
      duration: run.duration_seconds }[key] ?? null;
  }

  /// `runs --sort`'s order (tracking/query.rs `sort_order`): numbers (text that reads as one
  /// too) before text, text by code point; a run without the key goes last either way.
  function sortRuns(runs, sort) {
    if (!sort) return runs;
    const rank = (v) => {
      const n = typeof v === 'number' ? v : v !== null && String(v).trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? [0, n] : [1, String(v)];
    };
    const keyed = runs.map((run) => [sortValue(run, sort.key), run]);
    keyed.sort(([a], [b]) => {
      if (a === null || b === null) return (a === null) - (b === null);
      const [ra, va] = rank(a);
      const [rb, vb] = rank(b);
      const order = ra - rb || (va < vb ? -1 : va > vb ? 1 : 0);
      return sort.descending ? -order : order;
    });
    return keyed.map(([, run]) => run);
  }

  /// `b=` of the address: {axis id: [[lo, hi], ...]}.
  function brushOf(params) {
    try {
      const brush = JSON.parse(params.get('b') || '{}');
      // no prototype: an axis may be a param named `__proto__`
      const ok = brush && typeof brush === 'object' && !Array.isArray(brush);
      return Object.assign(Object.create(null), ok ? brush : {});
    } catch { return Object.create(null); }
  }

  /// Parallel coordinates of the listed runs (brushing an axis filters the table) and a
  /// scatter of one param against one metric, a point per brushed run.
  function renderCompare(state) {
    for (const id of [`${COMPARE}parallel`, `${COMPARE}scatter`]) {
      charts.get(id)?.dispose();
      charts.delete(id);
    }
    const metricKeys = state.allMetrics.filter((k) => state.metrics.has(k));
    state.axes = parallelAxes(state.doc, metricKeys);
    if (!state.doc.runs.length || state.axes.length < 2) state.axes = [];
    for (const id of Object.keys(state.brush)) {
      if (!state.axes.some((a) => a.id === id)) delete state.brush[id];
    }
    if (!state.axes.length) {
      state.compareBox.replaceChildren(el('p', { class: 'muted' },
        'Runs whose params differ, or that have two metrics or more, are compared here.'));
      return;
    }
    const parallelBox = el('div', { class: 'compare-chart parallel' });
    const scatterBox = el('div', { class: 'compare-chart scatter' });
    const scatterControls = el('div', { class: 'controls' });
    state.compareBox.replaceChildren(el('div', { class: 'charts' }, parallelBox,
      el('div', null, scatterControls, scatterBox)));
    const parallel = echarts.init(parallelBox);
    charts.set(`${COMPARE}parallel`, parallel);
    parallel.setOption({
      animation: false,
      parallelAxis: state.axes.map((axis, dim) => ({
        dim, id: axis.id, name: chartText(axis.id), realtime: false,
        ...(axis.numeric ? { type: axis.log ? 'log' : 'value', scale: true } : { type: 'category', data: axis.categories }),
        nameTextStyle: { fontSize: 11 },
      })),
      parallel: { left: 48, right: 72, top: 48, bottom: 28 },
      series: [{
        type: 'parallel', lineStyle: { width: 1.5, opacity: 0.6 },
        inactiveOpacity: 0.05, activeOpacity: 1,
        data: parallelData(state),
      }],
    });
    parallel.on('axisareaselected', (event) => {
      if (event.intervals?.length) state.brush[event.parallelAxisId] = event.intervals;
      else delete state.brush[event.parallelAxisId];
      state.rowsShown = PAGE_ROWS;
      keepInAddress(state);
      renderRunsTable(state);
      drawScatter(state, scatterBox);
      document.body.dataset.brushed = String(Number(document.body.dataset.brushed || 0) + 1);
    });
    for (const [id, intervals] of Object.entries(state.brush)) {
      parallel.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: id, intervals }, { silent: true });
    }
    renderScatterControls(state, scatterControls, scatterBox);
  }

  /// A parallel line per listed run, in the colour of its curves.
  function parallelData(state) {
    return state.doc.runs.map((run) => ({
      name: refOf(run), value: state.axes.map((a) => axisValue(run, a)),
      lineStyle: { color: colourOf(state, refOf(run)) },
    }));
  }

  /// After a refresh: the parallel lines and scatter points take the runs' new values (the
  /// axes and brush stay as they are until the next navigation).
  function updateCompare(state) {
    const parallel = charts.get(`${COMPARE}parallel`);
    if (!parallel) return;
    parallel.setOption({ series: [{ data: parallelData(state) }] });
    const scatterBox = state.compareBox.querySelector('.scatter');
    if (scatterBox) drawScatter(state, scatterBox);
  }

  /// A run's colour on every chart: given on first sight, so a run that leaves the listing
  /// does not shift the colours of the others.
  function colourOf(state, ref) {
    if (!state.colours.has(ref)) state.colours.set(ref, PALETTE[state.colours.size % PALETTE.length]);
    return state.colours.get(ref);
  }

  /// The scatter's x, y and log-x choices, and the scatter drawn with them.
  function renderScatterControls(state, box, scatterBox) {
    const params = state.axes.filter((a) => a.kind === 'param');
    const metrics = state.axes.filter((a) => a.kind === 'metric');
    if (!params.length || !metrics.length) { box.replaceChildren(); drawScatter(state, scatterBox); return; }
    const sc = state.scatter;
    if (!params.some((a) => a.id === sc.x)) sc.x = (params.find((a) => a.numeric) || params[0]).id;
    if (!metrics.some((a) => a.id === sc.y)) sc.y = metrics[0].id;
    const logBox = el('input', {
      type: 'checkbox', id: 'scatter-logx',
      onchange: (e) => { sc.logX = e.target.checked; redraw(); },
    });
    const redraw = () => {
      keepInAddress(state);
      logBox.checked = drawScatter(state, scatterBox);
    };
    const select = (id, options, value, set) => {
      const node = el('select', { id, onchange: (e) => { set(e.target.value); redraw(); } },
        options.map((a) => el('option', { value: a.id }, a.id)));
      node.value = value;
      return node;
    };
    box.replaceChildren(
      // another x param: log x as its parallel axis has it, until the box is changed
      el('label', null, 'x', select('scatter-x', params, sc.x, (v) => { sc.x = v; sc.logX = null; })),
      el('label', null, 'y', select('scatter-y', metrics, sc.y, (v) => { sc.y = v; })),
      el('label', null, logBox, 'log x'));
    logBox.checked = drawScatter(state, scatterBox);
  }

  /// Draws the scatter of the brushed runs; returns whether its x axis is logarithmic.
  function drawScatter(state, box) {
    const x = state.axes.find((a) => a.id === state.scatter.x);
    const y = state.axes.find((a) => a.id === state.scatter.y);
    let chart = echarts.getInstanceByDom(box);
    box.hidden = !x || !y; // no param or no metric to set against each other
    if (!x || !y) { chart?.dispose(); return false; }
    if (!chart) {
      chart = echarts.init(box);
      charts.set(`${COMPARE}scatter`, chart);
      chart.on('click', (event) => {
        const ref = event.data?.[2];
        if (!ref || state.selected.has(ref)) return;
        const box = state.tableBox.querySelector(`input[data-ref="${CSS.escape(ref)}"]`);
        if (box) box.checked = true;
        toggleRun(state, ref, true);
      });
    }
    const points = brushed(state)
      .map((run) => [axisValue(run, x), axisValue(run, y), refOf(run)])
      .filter(([a, b]) => a != null && b != null);
    const logX = (state.scatter.logX ?? x.log) && x.numeric && points.every(([a]) => a > 0);
    chart.setOption({
      animation: false,
      title: { text: `${y.id} by ${x.id}`, left: 'center', top: 4, textStyle: { fontSize: 13 } },
      grid: { top: 40, left: 64, right: 28, bottom: 40 },
      tooltip: { formatter: (p) => `${escapeHtml(p.data[2])}<br>${escapeHtml(x.id)}: ${escapeHtml(p.data[0])}<br>${escapeHtml(y.id)}: ${escapeHtml(showValue(p.data[1]))}` },
      xAxis: x.numeric
        ? { type: logX ? 'log' : 'value', scale: true, name: chartText(x.id), nameLocation: 'middle', nameGap: 26 }
        : { type: 'category', data: x.categories, name: chartText(x.id), nameLocation: 'middle', nameGap: 26, jitter: 8 },
      yAxis: { type: 'value', scale: true, name: chartText(y.id) },
      series: [{ id: 'runs', type: 'scatter', symbolSize: 9, data: points }],
    }, { replaceMerge: ['xAxis', 'yAxis', 'series'] });
    return logX;
  }

  /// Smoothing, log y, the x axis and "train and validation together": they redraw the
  /// charts from the series already fetched, and are kept in the address.
  function curveControls(state) {
    const { view } = state;
    const redraw = () => {
      keepInAddress(state);
      drawCharts(state);
    };
    const slider = el('input', {
      type: 'range', id: 'smooth', min: 0, max: 0.99, step: 0.01, value: view.smooth,
      'aria-label': 'smoothing',
    });
    const box = el('input', {
      type: 'number', id: 'smooth-value', min: 0, max: 0.999, step: 0.01, value: view.smooth,
      'aria-label': 'smoothing weight',
    });
    const setSmooth = (value) => {
      view.smooth = Math.min(0.999, Math.max(0, Number(value) || 0));
      slider.value = view.smooth;
      box.value = view.smooth;
      redraw();
    };
    slider.addEventListener('input', () => setSmooth(slider.value));
    box.addEventListener('change', () => setSmooth(box.value));
    const xSelect = el('select', { id: 'x-axis', onchange: (e) => { view.x = e.target.value; redraw(); } },
      Object.entries(X_MODES).map(([value, text]) => el('option', { value }, text)));
    xSelect.value = view.x;
    return el('div', { class: 'controls' },
      el('label', null, 'Smoothing', slider, box),
      el('label', null, el('input', {
        type: 'checkbox', id: 'log-y', checked: view.log,
        onchange: (e) => { view.log = e.target.checked; redraw(); },
      }), 'log y'),
      el('label', null, 'x', xSelect),
      el('label', null, el('input', {
        type: 'checkbox', id: 'together', checked: view.together,
        onchange: (e) => { view.together = e.target.checked; redraw(); },
      }), 'train and validation together'));
  }

  function renderRunsTable(state) {
    const { doc, selected, filters } = state;
    const changed = new Set(doc.changed_params);
    let paramKeys = [...new Set(doc.runs.flatMap((r) => Object.keys(r.params)))].sort();
    if (filters.onlyChanged) paramKeys = paramKeys.filter((k) => changed.has(k));
    // Only the charted metrics get columns: 3,000 columns of 200 rows would take seconds.
    const metricKeys = state.allMetrics.filter((k) => state.metrics.has(k));
    const arrows = { min: ' ↓', max: ' ↑' };
    const hasTags = doc.runs.some((r) => Object.keys(r.tags || {}).length);
    const hasNotes = doc.runs.some((r) => r.note);
    const hasVersions = doc.runs.some((r) => r.version);
    // A header click sorts by its column, a second click the other way (`sort=` in the address).
    const sortable = (text, key, attrs = {}) => {
      const on = state.sort?.key === key;
      const mark = on ? (state.sort.descending ? ' ▼' : ' ▲') : '';
      return el('th', { ...attrs, class: `${attrs.class || ''} sortable`.trim(), 'data-sort': key,
        title: attrs.title || 'sort by this column',
        onclick: () => {
          state.sort = { key, descending: on && !state.sort.descending };
          keepInAddress(state);
          renderRunsTable(state);
        } }, text + mark);
    };
    const headers = [el('th', null, 'plot'), sortable('run', 'name'), sortable('owner', 'owner'),
      sortable('status', 'status'), sortable('started', 'started'),
      sortable('duration', 'duration', { class: 'num' }),
      hasTags ? el('th', null, 'tags') : null,
      hasNotes ? el('th', null, 'note') : null,
      hasVersions ? el('th', null, 'version') : null,
      paramKeys.map((k) => sortable(k, `param(${k})`, { class: changed.has(k) ? 'changed param' : 'param', title: changed.has(k) ? 'differs between the shown runs' : null })),
      metricKeys.map((k) => {
        const direction = doc.runs.map((r) => r.metrics[k]?.direction).find(Boolean);
        return sortable(k + (arrows[direction] ?? ''), `last(${k})`, { class: 'num metric' });
      })];
    const listed = sortRuns(brushed(state), state.sort);
    const rows = listed.slice(0, state.rowsShown).map((run) => {
      const ref = refOf(run);
      const box = el('input', {
        type: 'checkbox', checked: selected.has(ref), 'data-ref': ref,
        onchange: (e) => toggleRun(state, ref, e.target.checked),
      });
      return el('tr', { 'data-ref': ref },
        el('td', null, box),
        el('td', null, run.name),
        el('td', null, run.owner),
        el('td', { class: `status-${run.status}` }, run.status),
        el('td', null, when(run.started_at)),
        el('td', { class: 'num' }, humanDuration(run.duration_seconds)),
        hasTags ? el('td', { class: 'tags' },
          Object.entries(run.tags || {}).map(([k, v]) => `${k}=${v}`).join(' ')) : null,
        hasNotes ? el('td', { class: 'note-cell', title: run.note ?? '' },
          run.note && run.note.length > 40 ? `${run.note.slice(0, 39)}…` : run.note ?? '') : null,
        hasVersions ? el('td', null, run.version
          ? el('a', { href: `#/models/${enc(state.model)}/versions/${enc(run.version)}` }, run.version) : '') : null,
        paramKeys.map((k) => el('td', { class: changed.has(k) ? 'changed' : null },
          run.params[k]?.value ?? '–')),
        metricKeys.map((k) => {
          const m = run.metrics[k];
          if (!m) return el('td', { class: 'num' }, '–');
          const best = m.best != null && m.best !== m.last ? ` (best ${showValue(m.best)})` : '';
          return el('td', { class: 'num', title: `${m.count} points, last at step ${m.last_step}` },
            showValue(m.last) + best);
        }));
    });
    const hidden = listed.length - rows.length;
    const more = hidden > 0 && el('button', {
      class: 'more',
      onclick: () => { state.rowsShown += PAGE_ROWS; renderRunsTable(state); },
    }, `Show ${Math.min(hidden, PAGE_ROWS)} more (${hidden} not shown)`);
    state.tableBox.replaceChildren(listed.length
      ? table(headers, rows)
      : el('p', { class: 'muted' }, 'No runs match. Record some with `mfile log-metric` or `mfile track`.'));
    if (more) state.tableBox.append(more);
    const hiddenMetrics = state.allMetrics.length - metricKeys.length;
    const brushes = Object.keys(state.brush).length;
    const shownOf = listed.length === doc.runs.length ? '' : `${listed.length} of `;
    state.noteBox.textContent = `${shownOf}${count(doc.runs.length, 'run')}` +
      (brushes ? ` (brushed on ${count(brushes, 'axis', 'axes')})` : '') +
      `; ${count(changed.size, 'param')} ${changed.size === 1 ? 'differs' : 'differ'} between them` +
      (hiddenMetrics > 0 ? `; ${metricKeys.length} of ${state.allMetrics.length} metrics shown (choose below)` : '') +
      (REPORT ? '.' : '; running runs refresh every few seconds.');
  }

  /// The metric picker: which metrics (at most MAX_METRICS) get a chart and a table column.
  /// Shown only when a run has more metrics than that; lists at most PICKER_ROWS at a time.
  function renderPicker(state) {
    const { allMetrics, metrics } = state;
    if (allMetrics.length <= MAX_METRICS) { state.pickerBox.replaceChildren(); return; }
    const list = el('div', { class: 'picker-list' });
    const count = el('span', { class: 'muted' });
    const filter = el('input', { type: 'search', placeholder: 'filter metrics', 'aria-label': 'filter metrics' });
    const fill = () => {
      const needle = filter.value.toLowerCase();
      const matching = allMetrics.filter((k) => !metrics.has(k) && k.toLowerCase().includes(needle));
      // the chosen ones first, whatever the filter, so they can be unticked
      const shown = matching.slice(0, PICKER_ROWS);
      const listed = [...allMetrics.filter((k) => metrics.has(k)), ...shown];
      const full = metrics.size >= MAX_METRICS;
      list.replaceChildren(...listed.map((key) => el('label', null,
        el('input', {
          type: 'checkbox', checked: metrics.has(key), 'data-metric': key,
          disabled: full && !metrics.has(key),
          onchange: (e) => pickMetric(state, key, e.target.checked).then(fill),
        }), key)));
      count.textContent = `${metrics.size} of ${allMetrics.length} metrics charted (at most ` +
        `${MAX_METRICS}; untick one to choose another)` +
        (matching.length > shown.length ? `; ${matching.length - shown.length} more match: narrow the filter` : '');
    };
    filter.addEventListener('input', fill);
    fill();
    state.pickerBox.replaceChildren(el('details', null,
      el('summary', null, 'Choose metrics'), el('div', { class: 'controls' }, filter, count), list));
  }

  async function pickMetric(state, key, on) {
    if (on && state.metrics.size < MAX_METRICS) state.metrics.add(key); else state.metrics.delete(key);
    keepInAddress(state);
    if (on && !state.doc.columned.has(key)) {
      const gen = generation;
      const doc = await loadRuns(state.model, state.filters, { metrics: [...state.metrics], sort: state.sort });
      if (gen !== generation) return;
      state.doc = doc;
    }
    renderCompare(state);
    renderRunsTable(state);
    if (on) state.series.clear(); // the series fetched so far lack the new metric
    await refreshSeries(generation, state, on ? [...state.selected] : []);
  }

  async function toggleRun(state, ref, on) {
    if (on) state.selected.add(ref); else state.selected.delete(ref);
    keepInAddress(state);
    await refreshSeries(generation, state, on ? [ref] : []);
  }

  /// Fetches the series of `refs` (selected runs) and redraws every chart.
  async function refreshSeries(gen, state, refs) {
    const byRef = new Map(state.doc.runs.map((r) => [refOf(r), r]));
    const wanted = refs.filter((ref) => byRef.has(ref));
    const keys = [...state.metrics];
    const docs = await Promise.all(wanted.map((ref) => loadSeries(state.model, byRef.get(ref), keys)));
    if (gen !== generation) return;
    wanted.forEach((ref, i) => { if (docs[i]) state.series.set(ref, docs[i]); });
    drawCharts(state);
    document.body.dataset.state = 'ready';
  }

  function drawCharts(state) {
    const { view } = state;
    const shown = state.doc.runs.map(refOf).filter((ref) => state.selected.has(ref) && state.series.has(ref));
    const owners = new Set(shown.map((ref) => ref.split('/')[0]));
    const label = (ref) => (owners.size > 1 ? ref : ref.split('/').slice(1).join('/'));
    const colour = (ref) => colourOf(state, ref);
    const keys = [...new Set(shown.flatMap((ref) => Object.keys(state.series.get(ref).metrics)))]
      .filter((key) => state.metrics.has(key)).sort();
    const groups = chartGroups(keys, view.together);
    const drawn = new Set(groups.map((g) => g.id));
    for (const [id, chart] of charts) {
      if (id.startsWith(COMPARE)) continue; // the parallel and scatter charts are not curves
      if (!drawn.has(id)) { chart.dispose(); charts.delete(id); }
    }
    let hidden = 0; // values a log axis can't show
    const oneBatch = new Set(); // runs whose points share one or two times
    const boxes = groups.map((group) => {
      let chart = charts.get(group.id);
      if (!chart) {
        const box = el('div', { class: 'chart', 'data-key': group.id });
        state.chartBox.append(box);
        chart = echarts.init(box);
        charts.set(group.id, chart);
        chart.setOption(chartOption(group.id));
      }
      chart.getDom().dataset.keys = group.keys.join(',');
      const series = [];
      for (const ref of shown) {
        const doc = state.series.get(ref);
        const started = doc.started_at ? Date.parse(doc.started_at) : null;
        for (const key of group.keys) {
          const name = chartText(group.keys.length > 1 ? `${label(ref)} · ${key}` : label(ref));
          // a run without the metric keeps its place in the legend, as an empty line
          const metric = (Object.hasOwn(doc.metrics, key) ? doc.metrics[key] : null)
            ?? (group.keys.length === 1 ? { points: [] } : null);
          if (!metric) continue;
          const xOf = (p) => {
            if (view.x === 'step' || started === null || p.length < 3) return p[0];
            return view.x === 'time' ? started + p[2] : p[2] / 1000;
          };
          if (view.x !== 'step' && new Set(metric.points.map((p) => p[2])).size <= 2 && metric.points.length > 2) {
            oneBatch.add(label(ref));
          }
          const raw = metric.points.map((p) => {
            const ok = !view.log || p[1] === null || p[1] > 0;
            if (!ok) hidden += 1;
            return ok ? p[1] : null;
          });
          // [x0, y0, x1, y1, ...], NaN for a gap: ECharts deep-copies an option's arrays on
          // every setOption, and a typed array copies at a fraction of the cost (smoothing
          // redraws took 114 ms with [x, y] pairs against 68 ms, bench/ui-runs.mjs).
          const line = (values) => {
            const xy = new Float64Array(values.length * 2);
            metric.points.forEach((p, i) => { xy[2 * i] = xOf(p); xy[2 * i + 1] = values[i] ?? NaN; });
            return xy;
          };
          stepsOf.set(`${ref}|${key}`, metric.points.map((p) => p[0]));
          const style = { color: colour(ref), type: { train: 'solid', val: 'dashed', test: 'dotted' }[stem(key).role] };
          const common = { name, type: 'line', showSymbol: false, connectNulls: false, color: colour(ref) };
          if (view.smooth > 0) {
            series.push({ ...common, id: `${ref}|${key}|raw`, data: line(raw), silent: true,
              lineStyle: { ...style, opacity: 0.25 }, tooltip: { show: false }, z: 1 });
          }
          series.push({ ...common, id: `${ref}|${key}`, data: line(ema(raw, view.smooth)),
            lineStyle: style, z: 2 });
        }
      }
      chart.setOption({
        legend: { data: [...new Set(series.map((s) => s.name))] },
        xAxis: xAxisOption(view.x),
        yAxis: view.log ? { type: 'log', scale: true } : { type: 'value', scale: true },
        series,
      }, { replaceMerge: ['series', 'xAxis', 'yAxis'] });
      return chart.getDom();
    });
    state.chartBox.replaceChildren(...boxes);
    if (!groups.length) {
      state.chartBox.replaceChildren(el('p', { class: 'muted' },
        shown.length ? 'The selected runs have no metrics yet.' : 'Tick runs in the table to plot them.'));
    }
    const notes = [];
    if (hidden) notes.push(`${count(hidden, 'value')} ≤ 0 not drawn on the log axis`);
    if (oneBatch.size) {
      notes.push(`${[...oneBatch].join(', ')}: recorded in one batch (an imported file), so the time axis shows the import`);
    }
    state.chartNote.textContent = notes.join('; ');
    document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
  }

  function xAxisOption(mode) {
    const common = { nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax' };
    if (mode === 'time') return { ...common, type: 'time', name: 'time' };
    if (mode === 'rel') {
      return { ...common, type: 'value', name: 'time since start', axisLabel: { formatter: humanDuration } };
    }
    return { ...common, type: 'value', name: 'step' };
  }

  function chartOption(key) {
    return {
      animation: false,
      title: { text: chartText(key), left: 'center', top: 6, textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis', formatter: tooltip },
      legend: { type: 'scroll', top: 30 },
      grid: { top: 64, left: 64, right: 28, bottom: 72 },
      xAxis: xAxisOption('step'),
      yAxis: { type: 'value', scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'slider', bottom: 12, height: 20 }],
      series: [],
    };
  }

  function tooltip(params) {
    const items = (Array.isArray(params) ? params : [params]).filter((p) => !p.seriesId.endsWith('|raw'));
    if (!items.length) return '';
    const step = escapeHtml(stepsOf.get(items[0].seriesId)?.[items[0].dataIndex] ?? '');
    return `step ${step}<br>` + items.map((p) => `${p.marker}${escapeHtml(p.seriesName)}: ${
      Number.isFinite(p.value[1]) ? escapeHtml(showValue(p.value[1])) : '–'}`).join('<br>');
  }

  /// While listed runs are running, reload those runs (`run=`) and their curves every few
  /// seconds, and the whole listing every FULL_REFRESH ticks (for runs started since) or when
  /// too many run for one address.
  function startRefresh(gen, state) {
    let ticks = 0;
    const tick = async () => {
      if (gen !== generation) return;
      ticks += 1;
      const running = state.doc.runs.filter((r) => r.status === 'running').map(refOf);
      if (running.length) {
        try {
          const named = running.reduce((n, ref) => n + enc(ref).length + 5, 0); // `&run=`
          if (ticks % FULL_REFRESH === 0 || named > MAX_REFRESH_NAMES) {
            state.doc = await loadRuns(state.model, state.filters, { metrics: [...state.metrics], sort: state.sort });
          } else {
            const answer = await loadRuns(state.model, state.filters,
              { only: running, metrics: [...state.metrics], sort: state.sort });
            const fresh = new Map(answer.runs.map((r) => [refOf(r), r]));
            // a run gone from the answer no longer matches the filters (or was deleted)
            const gone = new Set(running.filter((ref) => !fresh.has(ref)));
            state.doc.runs = state.doc.runs.filter((r) => !gone.has(refOf(r)))
              .map((r) => fresh.get(refOf(r)) ?? r);
          }
          if (gen !== generation) return;
          renderRunsTable(state);
          updateCompare(state);
          await refreshSeries(gen, state, running.filter((ref) => state.selected.has(ref)));
        } catch (err) {
          state.noteBox.textContent = `Refresh failed: ${err.message}`;
        }
      }
      if (gen === generation) timer = setTimeout(tick, REFRESH_MS);
    };
    timer = setTimeout(tick, REFRESH_MS);
  }

  // ---- navigation ---------------------------------------------------------------------------

  function parseHash() {
    const [path, query] = location.hash.replace(/^#/, '').split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    return { parts, params: new URLSearchParams(query || '') };
  }

  async function render() {
    generation += 1;
    const gen = generation;
    clearTimeout(timer);
    for (const chart of charts.values()) chart.dispose();
    charts.clear();
    stepsOf.clear();
    delete document.body.dataset.state;
    const { parts, params } = parseHash();
    try {
      if (REPORT) return await showRuns(gen, REPORT.runs.model, params);
      if (parts.length === 0) return await showModels(gen);
      if (parts[0] === 'models' && parts.length === 2) return await showVersions(gen, parts[1], params);
      if (parts[0] === 'models' && parts[2] === 'versions' && parts.length === 4) {
        return await showFiles(gen, parts[1], parts[3]);
      }
      if (parts[0] === 'models' && parts[2] === 'runs' && parts.length === 3) {
        return await showRuns(gen, parts[1], params);
      }
      show(gen, el('p', { class: 'error' }, 'No such page. '), el('a', { href: '#/' }, 'Models'));
    } catch (err) {
      show(gen, el('p', { class: 'error' }, String(err.message || err)));
    } finally {
      if (gen === generation && !document.body.dataset.state) document.body.dataset.state = 'ready';
      if (gen === generation) document.body.dataset.rendered = String(gen); // tests wait on it
    }
  }

  window.addEventListener('hashchange', render);
  window.addEventListener('resize', () => { for (const chart of charts.values()) chart.resize(); });
  render();
})();
