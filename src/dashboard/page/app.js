// jobstack live dashboard: polls dashboard/data every 5 s, renders every section, keeps the last
// good data on screen when a refresh fails. No dependencies, no inline script (CSP), no network
// access beyond this exporter. Type-checked (tsconfig.page.json) against the /dashboard/data types.
// @ts-check
'use strict';
/** @typedef {import('../types').DashboardData} Data */
/** @typedef {Data & { stale: Record<string, string | null> }} View what is drawn: with stale sections marked */
(function () {
  const REFRESH_SECONDS = 5;
  /** An element of index.html by id (the browser test fails if one is missing). */
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** The first element matching a selector (index.html has each one the page asks for). */
  const first = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));
  const sortButtons = () =>
    /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('#queue-table th button'));
  /** @type {{ data: Data | null, paused: boolean, countdown: number, sort: { key: string, dir: number }, filter: string, failures: number }} */
  const state = { data: null, paused: false, countdown: 0, sort: { key: 'backlog', dir: -1 }, filter: '', failures: 0 };

  // ---- formatting -------------------------------------------------------------------------
  const dash = '–';
  const num = (v, digits = 0) =>
    v === null || v === undefined || Number.isNaN(v)
      ? dash
      : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits });
  const pct = (v) => (v === null || v === undefined ? dash : `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`);
  function bytes(v) {
    if (v === null || v === undefined) return dash;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
  }
  function secs(v) {
    if (v === null || v === undefined) return dash;
    if (v < 1) return `${Math.round(v * 1000)} ms`;
    if (v < 120) return `${v.toFixed(v < 10 ? 1 : 0)} s`;
    if (v < 7200) return `${Math.round(v / 60)} min`;
    if (v < 172800) return `${(v / 3600).toFixed(1)} h`;
    return `${Math.round(v / 86400)} d`;
  }
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : dash);
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  // ---- sparklines (inline SVG, fixed size so rows never change height) ---------------------
  const SVG = 'http://www.w3.org/2000/svg';
  function sparkline(points, color, w = 80, h = 18) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h));
    svg.setAttribute('aria-hidden', 'true');
    const values = (points || []).filter((p) => typeof p === 'number' && Number.isFinite(p));
    if (values.length >= 2) {
      const max = Math.max(...values, 1e-9);
      const step = w / (values.length - 1);
      const d = values
        .map((v, i) => `${i ? 'L' : 'M'}${(i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`)
        .join('');
      const path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', d);
      path.setAttribute('fill', 'none');
      path.setAttribute('stroke', color);
      path.setAttribute('stroke-width', '1.2');
      svg.append(path);
    }
    return svg;
  }

  // ---- sections ----------------------------------------------------------------------------
  /** @param {View} d */
  function renderStatus(d) {
    const h = d.health;
    $('score').textContent = num(h.score);
    $('score').className = `big s-${h.status}`;
    $('overall').textContent = h.status;
    $('overall').className = `pill s-${h.status}`;
    $('components').replaceChildren(
      ...h.components.map((c) =>
        el(
          'li',
          { class: `s-${c.status}`, title: c.error || '' },
          `● ${c.name} `,
          el('span', { class: 'dim' }, c.status + (c.latencyMs !== null ? ` ${num(c.latencyMs, 1)} ms` : '')),
        ),
      ),
    );
    $('reasons').replaceChildren(...h.reasons.map((r) => el('li', {}, r)));
  }

  const sortValue = {
    name: (q) => q.name.toLowerCase(),
    backlog: (q) => q.backlog,
    active: (q) => q.counts.active || 0,
    failed: (q) => q.counts.failed || 0,
    workers: (q) => (q.workers === null ? -1 : q.workers),
    throughput: (q) => q.completedPerMinute || 0,
    failureRatio: (q) => q.failureRatio || 0,
    processingP95: (q) => q.processingP95Seconds || 0,
    oldest: (q) => q.oldestWaitingSeconds || 0,
  };

  /** @param {View} d */
  function renderQueues(d) {
    const t = d.thresholds;
    const f = state.filter.toLowerCase();
    const rows = d.queues.filter((q) => !f || q.name.toLowerCase().includes(f));
    const { key, dir } = state.sort;
    rows.sort((a, b) => {
      const x = sortValue[key](a);
      const y = sortValue[key](b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.name.localeCompare(b.name);
    });
    $('queue-count').textContent = `${rows.length} of ${d.queues.length}`;
    sortButtons().forEach((b) => {
      if (b.dataset.sort === key) b.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      else b.removeAttribute('aria-sort');
    });
    const body = first('#queue-table tbody');
    body.replaceChildren(
      ...rows.map((q) => {
        const noWorkers = q.workers === 0 && q.backlog > 0;
        const spark = el('td', {});
        spark.append(sparkline(q.history.backlog, '#f0a030'), ' ', sparkline(q.history.throughputPerMinute, '#3fd07a'));
        return el(
          'tr',
          { 'data-queue': q.name },
          el(
            'td',
            { class: q.readError ? 'bad' : q.paused ? 'paused' : '', title: q.name },
            q.name + (q.readError ? ' (not readable)' : q.paused ? ' (paused)' : ''),
          ),
          el('td', {}, num(q.backlog)),
          el('td', {}, num(q.counts.active)),
          el('td', { class: q.counts.failed ? 'warn' : '' }, num(q.counts.failed)),
          el('td', { class: noWorkers ? 'bad' : '' }, q.workers === null ? dash : num(q.workers)),
          el('td', {}, num(q.completedPerMinute, 1)),
          el(
            'td',
            {
              class:
                (q.failureRatio || 0) > t.failureRatioCritical
                  ? 'bad'
                  : (q.failureRatio || 0) > t.failureRatioWarning
                    ? 'warn'
                    : '',
            },
            pct(q.failureRatio),
          ),
          el('td', {}, secs(q.processingP95Seconds)),
          el(
            'td',
            { class: (q.oldestWaitingSeconds || 0) > t.oldestWaitingSeconds ? 'bad' : '' },
            secs(q.oldestWaitingSeconds),
          ),
          spark,
        );
      }),
    );
  }

  /** @param {View} d */
  function renderFailures(d) {
    const all = [];
    for (const q of d.queues) for (const f of q.recentFailures) all.push({ queue: q.name, ...f });
    all.sort((a, b) => String(b.finishedAt).localeCompare(String(a.finishedAt)));
    const list = all
      .slice(0, 30)
      .map((f) =>
        el(
          'li',
          {},
          el('span', { class: 'dim' }, when(f.finishedAt)),
          el('span', {}, `${f.queue} · ${f.name} #${f.id} (${f.attempts}×)`),
          el('span', { class: 'reason' }, f.reason),
        ),
      );
    $('failure-list').replaceChildren(
      ...(list.length ? list : [el('li', { class: 'dim whole' }, 'no failed jobs kept')]),
    );
  }

  // API: one block per instrumented app, routes busiest first, then slow requests, errors and WebSocket events.
  function table(head, rows) {
    return el(
      'div',
      { class: 'tablewrap' },
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...rows),
      ),
    );
  }
  function requestRows(list) {
    return list.map((r) =>
      el(
        'tr',
        {},
        el('td', { class: 'dim' }, when(r.at)),
        el('td', {}, `${r.method} ${r.route}`),
        el('td', { class: r.status >= 500 || r.aborted ? 'bad' : '' }, r.aborted ? 'aborted' : String(r.status)),
        el('td', { class: r.verySlow ? 'bad' : '' }, secs(r.durationSeconds)),
        el('td', { class: 'mono' }, r.correlationId),
      ),
    );
  }
  /** @param {View} d */
  function renderApi(d) {
    const t = d.thresholds;
    const apps = d.api || [];
    $('api').hidden = apps.length === 0;
    $('api-count').textContent = apps.length ? `${apps.filter((a) => a.up).length} of ${apps.length} readable` : '';
    $('api-apps').replaceChildren(
      ...apps.map((a) => {
        if (!a.up)
          return el(
            'div',
            { class: 'app' },
            el('h3', { class: 's-down' }, `${a.target}: snapshot unreadable`),
            el('p', { class: 'reason' }, a.error || ''),
          );
        // An app that is up always has its request totals and WebSocket figures.
        const ws = /** @type {NonNullable<typeof a.websockets>} */ (a.websockets);
        const requests = /** @type {NonNullable<typeof a.requests>} */ (a.requests);
        const head = el(
          'h3',
          {},
          `${a.target} `,
          el(
            'span',
            { class: 'dim' },
            `${a.service} · ${num(requests.active)} in flight · 5xx ${pct(a.errorRatio)} · p95 ${secs(a.p95Seconds)} · over ${secs(a.windowSeconds)}`,
          ),
        );
        const routes = table(
          ['Route', 'req/s', 'Error %', 'p50', 'p95'],
          a.routes.map((r) =>
            el(
              'tr',
              {},
              el('td', { title: r.route }, `${r.method} ${r.route}`),
              el('td', {}, num(r.requestsPerSecond, 2)),
              el(
                'td',
                { class: (r.errorRatio || 0) > t.apiErrorRatio ? 'bad' : (r.errorRatio || 0) > 0 ? 'warn' : '' },
                pct(r.errorRatio),
              ),
              el('td', {}, secs(r.p50Seconds)),
              el('td', { class: (r.p95Seconds || 0) > t.apiP95Seconds ? 'warn' : '' }, secs(r.p95Seconds)),
            ),
          ),
        );
        const reqHead = ['Time', 'Request', 'Status', 'Duration', 'Correlation id'];
        const events = ws.recentEvents.map((e) =>
          el(
            'li',
            {},
            el('span', { class: 'dim' }, when(e.at)),
            el(
              'span',
              { class: e.type === 'open' ? 's-up' : e.type === 'error' ? 's-down' : '' },
              e.type + (e.code !== null ? ` ${e.code}` : ''),
            ),
            el('span', { class: 'reason' }, e.detail || ''),
          ),
        );
        return el(
          'div',
          { class: 'app' },
          head,
          routes,
          el('h4', {}, `Slow requests (${a.slowRequests.length})`),
          table(reqHead, requestRows(a.slowRequests)),
          el('h4', {}, `Recent errors (${a.recentErrors.length})`),
          table(reqHead, requestRows(a.recentErrors)),
          el(
            'h4',
            {},
            `WebSockets: ${num(ws.open)} open · ${num(ws.opened)} opened · ${num(ws.closed)} closed · ${num(ws.messagesReceived)} in / ${num(ws.messagesSent)} out · ${num(ws.errors)} errors`,
          ),
          el(
            'ol',
            { class: 'failures' },
            ...(events.length ? events : [el('li', { class: 'dim whole' }, 'no events yet')]),
          ),
        );
      }),
    );
  }

  // Firing alerts from Alertmanager (read-only); the section stays hidden without ALERTMANAGER_URL.
  /** @param {View} d */
  function renderAlerts(d) {
    const a = d.alerts;
    $('alerts').hidden = !a;
    if (!a) return;
    if (!a.up) {
      $('alert-counts').textContent = '';
      $('alert-list').replaceChildren(
        el('li', { class: 's-down whole' }, `Alertmanager unreachable: ${a.error || 'no answer'}`),
      );
      return;
    }
    $('alert-counts').textContent =
      `${a.firingCount} firing · ${a.suppressedCount} silenced or inhibited · ${a.silences} silences`;
    const list = a.firing.map((f) =>
      el(
        'li',
        {},
        el('span', { class: 'dim' }, when(f.startsAt)),
        el('span', { class: f.severity === 'critical' ? 's-down' : 's-degraded' }, `${f.severity} · ${f.alertname}`),
        el('span', {}, [f.summary, f.instance, f.queue].filter(Boolean).join(' · ')),
      ),
    );
    $('alert-list').replaceChildren(...(list.length ? list : [el('li', { class: 'dim whole' }, 'no alert firing')]));
  }

  function kv(sectionId, pairs) {
    const dl = first(`#${sectionId} dl`);
    dl.replaceChildren(...pairs.flatMap(([k, v, cls]) => [el('dt', {}, k), el('dd', cls ? { class: cls } : {}, v)]));
  }
  const upDown = (up) => [up ? 'up' : 'down', up ? 's-up' : 's-down'];

  /** @param {View} d */
  function renderDependencies(d) {
    const t = d.thresholds;
    const r = d.redis;
    kv(
      'redis',
      r
        ? [
            ['status', ...upDown(r.up)],
            ['version', r.version || dash],
            ['role', r.role || dash],
            ['memory used', bytes(r.memory.usedBytes)],
            ['memory peak', bytes(r.memory.peakBytes)],
            ['maxmemory', r.memory.maxBytes ? bytes(r.memory.maxBytes) : 'unlimited'],
            ['clients', num(r.clients)],
            ['commands/s', num(r.commandsPerSecond, 1)],
            ['hit ratio', pct(r.hitRatio)],
          ]
        : [['status', 'not configured', 's-disabled']],
    );
    const db = d.database;
    kv(
      'database',
      db
        ? [
            ['status', ...upDown(db.up)],
            ['version', db.version || dash],
            ['size', bytes(db.sizeBytes)],
            [
              'connections',
              `${num(Object.values(db.connections.byState).reduce((a, b) => a + b, 0))} / ${num(db.connections.max)}`,
            ],
            ...Object.entries(db.connections.byState)
              .filter(([, n]) => n > 0)
              .map(([s, n]) => [`  ${s}`, num(n)]),
            ['transactions/s', num(db.transactionsPerSecond, 1)],
            ['longest transaction', secs(db.longestTransactionSeconds)],
            ...db.customQueries.map((q) => [
              `query ${q.name}`,
              q.success ? `${num(q.rows)} rows` : 'failing',
              q.success ? '' : 's-down',
            ]),
          ]
        : [['status', 'not configured', 's-disabled']],
    );
    kv(
      'storage',
      d.storage.length
        ? d.storage.flatMap((s) => [
            [`${s.backend}`, ...upDown(s.up)],
            ['  bytes', bytes(s.bytes)],
            ['  objects', num(s.objects)],
            ['  free', s.freeBytes === null ? dash : bytes(s.freeBytes)],
            ['  counted', when(s.lastRefresh)],
          ])
        : [['status', 'not configured', 's-disabled']],
    );
    const sys = d.system;
    kv('host', [
      ['cpu', pct(sys.cpuRatio)],
      ['load 1m', num(sys.load1, 2)],
      [
        'memory',
        `${bytes(sys.memory.totalBytes === null || sys.memory.availableBytes === null ? null : sys.memory.totalBytes - sys.memory.availableBytes)} / ${bytes(sys.memory.totalBytes)}`,
      ],
      ...sys.disks.map((k) => [
        `disk ${k.mountpoint}`,
        `${pct(k.usedRatio)} of ${bytes(k.sizeBytes)}${k.readonly ? ', read-only' : ''}`,
        !k.readonly && k.usedRatio > t.usedRatioDegraded ? 's-down' : '',
      ]),
      ['exporter rss', bytes(sys.process.rssBytes)],
      ['exporter heap', `${bytes(sys.process.heapUsedBytes)} / ${bytes(sys.process.heapTotalBytes)}`],
      ['host uptime', secs(sys.hostUptimeSeconds)],
      ['exporter uptime', secs(d.exporter.uptimeSeconds)],
      ...d.probes.map((p) => [
        `probe ${p.name}`,
        p.success ? `${p.statusCode} in ${num(p.durationMs)} ms` : `failing${p.statusCode ? ` (${p.statusCode})` : ''}`,
        p.success ? 's-up' : 's-down',
      ]),
    ]);
    $('config').textContent = JSON.stringify(d.config, null, 2);
    $('version').textContent = `${d.exporter.version} · ${d.exporter.revision}`;
  }

  // Sections fed by one collector: when it fails, its last good figures stay on screen, marked.
  const SECTION_COLLECTORS = {
    queues: ['bullmq'],
    redis: ['redis'],
    database: ['postgres'],
    storage: ['s3', 'localstorage'],
  };
  const lastGood = {};

  /** The data to draw: this refresh's, with failed collectors' sections taken from the last good one. */
  /** @param {Data} d @returns {View} */
  function withLastGood(d) {
    const failed = new Set(d.exporter.collectors.filter((c) => !c.success).map((c) => c.name));
    const out = { ...d, stale: {} };
    for (const [section, collectors] of Object.entries(SECTION_COLLECTORS)) {
      const ok = !collectors.some((c) => failed.has(c));
      if (ok) lastGood[section] = { value: d[section], at: d.collectedAt };
      else if (lastGood[section]) {
        const value = lastGood[section].value;
        // The figures are old, the status is not: the dependency is down now.
        out[section] = value && typeof value === 'object' && 'up' in value ? { ...value, up: false } : value;
        out.stale[section] = lastGood[section].at;
      }
    }
    return out;
  }

  /** @param {View} d */
  function markStale(d) {
    for (const section of Object.keys(SECTION_COLLECTORS)) {
      const node = $(section);
      const at = d.stale[section];
      node.classList.toggle('stale', Boolean(at));
      let note = node.querySelector('h2 .stale-note');
      if (at && !note)
        /** @type {HTMLElement} */ (node.querySelector('h2')).append((note = el('span', { class: 'stale-note' })));
      if (note) note.textContent = at ? `failing — last good figures from ${when(at)}` : '';
    }
  }

  function render() {
    if (!state.data) return;
    const d = withLastGood(state.data);
    markStale(d);
    renderStatus(d);
    renderAlerts(d);
    renderQueues(d);
    renderFailures(d);
    renderApi(d);
    renderDependencies(d);
  }

  // ---- refresh loop --------------------------------------------------------------------------
  function banner(text, kind) {
    const b = $('banner');
    b.textContent = text;
    b.className = `banner${kind ? ` ${kind}` : ''}`;
  }

  async function refresh() {
    try {
      const res = await fetch('dashboard/data', { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const data = /** @type {Data} */ (await res.json());
      state.data = data;
      state.failures = 0;
      const failed = data.exporter.collectors.filter((c) => !c.success).map((c) => c.name);
      if (failed.length)
        banner(`collection incomplete: ${failed.join(', ')} failing — figures from them are missing`, 'stale');
      else banner('');
      render();
    } catch (err) {
      state.failures++;
      const last = state.data ? ` — showing data from ${when(state.data.generatedAt)}` : '';
      banner(`cannot reach the exporter (${err instanceof Error ? err.message : String(err)})${last}`, 'error');
    }
  }

  function tick() {
    if (state.paused) return;
    state.countdown--;
    if (state.countdown <= 0) {
      state.countdown = REFRESH_SECONDS;
      void refresh();
    }
    $('refresh-state').textContent = `refresh in ${state.countdown}s`;
  }

  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').setAttribute('aria-pressed', String(state.paused));
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    $('refresh-state').textContent = state.paused ? 'paused' : `refresh in ${state.countdown}s`;
  });
  $('filter').addEventListener('input', (e) => {
    state.filter = /** @type {HTMLInputElement} */ (e.target).value;
    render();
  });
  sortButtons().forEach((b) =>
    b.addEventListener('click', () => {
      const key = b.dataset.sort ?? 'name';
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : key === 'name' ? 1 : -1 };
      render();
    }),
  );

  state.countdown = REFRESH_SECONDS;
  void refresh();
  setInterval(tick, 1000);
})();
