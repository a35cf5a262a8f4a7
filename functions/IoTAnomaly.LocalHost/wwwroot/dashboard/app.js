// IoTAnomaly dashboard: plain JavaScript, no dependencies. It polls the local host's JSON APIs with the API key.
// The key comes from the URL fragment (#key=…; browsers never send fragments to the server) or from the form,
// and is kept in this tab's sessionStorage only. The fragment is removed from the address bar once read.
(() => {
  'use strict';

  const KEY_STORAGE = 'iotanomaly.apiKey';
  const FAST_MS = 1000;      // stats, devices, anomalies, retraining
  const SLOW_EVERY = 5;      // drift and models every 5th tick
  const SPARK_POINTS = 60;
  const SEVERITY = ['none', 'low', 'medium', 'high'];

  const $ = (id) => document.getElementById(id);
  const nf = new Intl.NumberFormat('en-US');
  const nf1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  let apiKey = null;
  let tick = 0;
  let previous = null;              // last stats sample {scored, anomalies}
  const readingsSeries = [];
  const anomalySeries = [];
  let timer = null;

  function readKey() {
    const hash = window.location.hash.replace(/^#/, '');
    const fromHash = new URLSearchParams(hash).get('key');
    if (fromHash) {
      sessionStorage.setItem(KEY_STORAGE, fromHash);
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(KEY_STORAGE);
  }

  function askForKey(message) {
    const form = $('key-form');
    form.hidden = false;
    setConnection(message || 'API key needed', 'bad');
    $('key-input').focus();
  }

  function setConnection(text, kind) {
    const pill = $('connection');
    pill.textContent = text;
    pill.className = 'pill ' + (kind === 'ok' ? 'pill-ok' : kind === 'bad' ? 'pill-bad' : 'pill-wait');
  }

  class Unauthorized extends Error {}

  async function api(path, options) {
    const init = Object.assign({ cache: 'no-store' }, options || {});
    init.headers = Object.assign({ 'x-api-key': apiKey, 'accept': 'application/json' }, init.headers || {});
    const response = await fetch(path, init);
    if (response.status === 401) {
      throw new Unauthorized();
    }
    if (!response.ok && response.status !== 202) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
      throw new Error(response.status + ' ' + detail);
    }
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  // ---- rendering helpers (textContent only: values from the API are never parsed as HTML) ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k === 'style') Object.assign(node.style, v);
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pill(text, kind) { return el('span', { class: 'pill' + (kind ? ' pill-' + kind : ''), text }); }

  function fillBody(table, rows, columns, emptyText) {
    const body = table.tBodies[0];
    const fresh = document.createElement('tbody');
    if (rows.length === 0) {
      fresh.append(el('tr', { class: 'empty' }, el('td', { colSpan: columns, text: emptyText })));
    } else {
      for (const row of rows) fresh.append(row);
    }
    table.replaceChild(fresh, body);
  }

  function time(value) {
    if (!value) return '–';
    const d = new Date(value);
    return isNaN(d) ? '–' : d.toLocaleTimeString([], { hour12: false });
  }

  function ago(value) {
    if (!value) return '–';
    const s = Math.max(0, (Date.now() - new Date(value).getTime()) / 1000);
    return s < 60 ? Math.round(s) + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }

  function fixed(value, digits) { return typeof value === 'number' && isFinite(value) ? value.toFixed(digits) : '–'; }

  function spark(svgId, series) {
    const line = $(svgId).querySelector('polyline');
    if (series.length < 2) { line.setAttribute('points', ''); return; }
    const max = Math.max(...series, 1e-9);
    const step = 120 / (SPARK_POINTS - 1);
    const offset = SPARK_POINTS - series.length;
    line.setAttribute('points', series.map((v, i) => ((offset + i) * step).toFixed(1) + ',' + (29 - (v / max) * 27).toFixed(1)).join(' '));
  }

  function push(series, value) { series.push(value); if (series.length > SPARK_POINTS) series.shift(); }

  // ---- sections ----
  function renderStats(s) {
    // Readings/s is the host's own figure (readings finished over about the last ten seconds), so browser timers
    // (a throttled background tab) cannot distort it; the anomaly rate is anomalies per scored reading since the last poll.
    const perSecond = Math.max(0, s.readingsPerSecond || 0);
    push(readingsSeries, perSecond);
    $('readings-rate').textContent = nf1.format(perSecond);
    spark('readings-spark', readingsSeries);
    if (previous) {
      const scored = s.scored - previous.scored;
      const rate = scored > 0 ? (s.anomalies - previous.anomalies) / scored : 0;
      push(anomalySeries, Math.max(0, rate));
      $('anomaly-rate').textContent = scored > 0 ? (rate * 100).toFixed(2) + ' %'
        : (s.scored > 0 ? (100 * s.anomalies / s.scored).toFixed(2) + ' % (all)' : '–');
      spark('anomaly-spark', anomalySeries);
    }
    previous = { scored: s.scored, anomalies: s.anomalies };
    $('received').textContent = nf.format(s.received);
    $('scored').textContent = nf.format(s.scored);
    $('rejected').textContent = nf.format(s.rejected);
    $('anomalies').textContent = nf.format(s.anomalies);
    $('devices-count').textContent = nf.format(s.devices);
    $('pending').textContent = nf.format(s.pendingEvents);
    $('model-version').textContent = s.modelVersion || '(none)';
    const reasons = Object.entries(s.rejectedByReason || {}).sort((a, b) => b[1] - a[1]);
    const box = $('reasons');
    box.replaceChildren(...(reasons.length ? reasons.map(([code, n]) => el('span', { class: 'pill pill-warn', 'data-reason': code }, code + ' ' + nf.format(n)))
      : [el('span', { class: 'muted', text: 'none' })]));
  }

  function renderDevices(devices) {
    const rows = devices
      .slice()
      .sort((a, b) => (b.lastIsAnomaly - a.lastIsAnomaly) || (b.anomalies - a.anomalies) || a.id.localeCompare(b.id))
      .map((d) => {
        const silent = d.lastSeen && Date.now() - new Date(d.lastSeen).getTime() > 5 * 60 * 1000;
        const state = d.lastIsAnomaly ? pill('anomaly', 'bad') : silent ? pill('silent', 'warn') : pill('ok', 'ok');
        return el('tr', { 'data-device': d.id },
          el('td', {}, el('code', { text: d.id })),
          el('td', { class: 'num', text: nf.format(d.scored) }),
          el('td', { class: 'num', text: nf.format(d.anomalies) }),
          el('td', { class: 'num', text: fixed(d.lastScore, 3) }),
          el('td', {}, state),
          el('td', { text: ago(d.lastSeen) }));
      });
    fillBody($('devices'), rows, 6, 'no readings yet');
  }

  function renderAnomalies(anomalies) {
    const rows = anomalies.slice(0, 25).map((a) => {
      const severity = typeof a.severity === 'number' ? SEVERITY[a.severity] || String(a.severity) : String(a.severity).toLowerCase();
      const top = (a.topContributors || []).map((c) => c.sensor + ' ' + Math.round(c.share * 100) + '%').join(', ');
      return el('tr', { 'data-device': a.deviceId },
        el('td', { text: time(a.timestamp) }),
        el('td', {}, el('code', { text: a.deviceId })),
        el('td', {}, pill(severity, severity === 'high' ? 'bad' : 'warn')),
        el('td', { class: 'num', text: fixed(a.score, 2) }),
        el('td', { text: top || '–' }));
    });
    fillBody($('recent-anomalies'), rows, 5, 'none');
  }

  function renderDrift(reports) {
    const latest = (reports || []).slice().sort((a, b) => new Date(b.checkedAt) - new Date(a.checkedAt))[0];
    if (!latest) { fillBody($('drift'), [], 6, 'no drift check yet'); $('drift-meta').textContent = ''; return; }
    $('drift-meta').textContent = '· ' + latest.verdict + ' at ' + time(latest.checkedAt) + ', ' + nf.format(latest.samples) + ' samples, model ' + latest.modelVersion;
    const maxPsi = Math.max(0.25, ...latest.sensors.map((s) => s.psi || 0));
    const rows = latest.sensors.map((s) => el('tr', { 'data-sensor': s.sensor },
      el('td', { text: s.sensor }),
      el('td', { class: 'num', text: fixed(s.psi, 3) }),
      el('td', {}, el('div', { class: 'bar' }, el('span', { class: s.drifted ? 'over' : '', style: { width: Math.min(100, 100 * (s.psi || 0) / maxPsi).toFixed(1) + '%' } }))),
      el('td', { class: 'num', text: fixed(s.ksPValue, 3) }),
      el('td', { class: 'num', text: fixed(s.jsd, 3) }),
      el('td', {}, s.drifted ? pill('drifted', 'bad') : pill('stable', 'ok'))));
    fillBody($('drift'), rows, 6, 'no sensors');
  }

  function renderModels(models) {
    const box = $('models');
    if (!models || models.length === 0) { box.replaceChildren(el('p', { class: 'muted', text: 'no model registered' })); fillBody($('audit'), [], 5, 'empty'); return; }
    box.replaceChildren(...models.map((m) => el('div', { class: 'model', 'data-model': m.model },
      el('div', { class: 'name', text: m.model }),
      el('dl', {},
        el('dt', { text: 'champion' }), el('dd', {}, m.champion ? el('code', { 'data-testid': 'champion', text: m.champion }) : '–'),
        el('dt', { text: 'challenger' }), el('dd', {}, m.challenger ? el('code', { 'data-testid': 'challenger', text: m.challenger }) : '–'),
        el('dt', { text: 'versions' }), el('dd', { text: String((m.versions || []).length) }),
        el('dt', { text: 'previous' }), el('dd', { text: (m.previousChampions || []).slice(-3).join(', ') || '–' })))));
    const audit = models.flatMap((m) => m.audit || []).sort((a, b) => new Date(b.at) - new Date(a.at)).slice(0, 30);
    fillBody($('audit'), audit.map((e) => el('tr', {},
      el('td', { text: time(e.at) }),
      el('td', {}, pill(e.action, e.action === 'promote' ? 'ok' : e.action === 'reject' || e.action === 'rollback' ? 'warn' : '')),
      el('td', {}, el('code', { text: e.version || '–' })),
      el('td', { text: e.actor || '–' }),
      el('td', { text: e.reason || '' }))), 5, 'empty');
  }

  function evaluationText(run) {
    const evaluation = (run.output && run.output.evaluation) || (run.customStatus && run.customStatus.detail && run.customStatus.detail.challenger ? run.customStatus.detail : null);
    if (!evaluation) return run.output ? run.output.reason : (run.failure || '');
    const c = evaluation.challenger;
    const ch = evaluation.champion;
    let text = 'challenger recall ' + (c.recall * 100).toFixed(1) + '%, false alarms ' + (c.falseAlarmRate * 100).toFixed(2) + '%';
    if (ch) text += ' · champion recall ' + (ch.recall * 100).toFixed(1) + '%, false alarms ' + (ch.falseAlarmRate * 100).toFixed(2) + '%';
    return text;
  }

  function renderRetraining(runs) {
    const rows = (runs || []).slice().sort((a, b) => new Date(b.lastUpdatedTime) - new Date(a.lastUpdatedTime)).map((run) => {
      const stage = run.customStatus ? run.customStatus.stage : null;
      const waiting = run.runtimeStatus === 'Running' && stage === 'waiting-for-approval';
      const decision = run.output ? run.output.decision : null;
      const actions = el('td', { class: 'actions' });
      if (waiting) {
        actions.append(
          el('button', { type: 'button', class: 'approve', text: 'Approve', 'data-action': 'approve', onclick: () => decide(run.instanceId, true, actions) }),
          ' ',
          el('button', { type: 'button', class: 'reject', text: 'Reject', 'data-action': 'reject', onclick: () => decide(run.instanceId, false, actions) }));
      }
      const statusKind = run.runtimeStatus === 'Completed' ? 'ok' : run.runtimeStatus === 'Failed' || run.runtimeStatus === 'Interrupted' ? 'bad' : 'warn';
      return el('tr', { 'data-run': run.instanceId },
        el('td', {}, el('code', { text: run.instanceId })),
        el('td', { 'data-field': 'status' }, pill(run.runtimeStatus, statusKind)),
        el('td', { 'data-field': 'stage', text: stage || '–' }),
        el('td', { 'data-field': 'decision' }, decision ? pill(decision, decision === 'promoted' ? 'ok' : 'warn') : '–'),
        el('td', {}, el('code', { text: (run.output && run.output.challengerVersion) || (run.customStatus && run.customStatus.detail && run.customStatus.detail.challenger && run.customStatus.detail.challenger.version) || '–' })),
        el('td', { class: 'small', text: evaluationText(run) }),
        el('td', { text: time(run.lastUpdatedTime) }),
        actions);
    });
    fillBody($('retraining'), rows, 8, 'no runs');
  }

  async function decide(id, approve, cell) {
    for (const b of cell.querySelectorAll('button')) b.disabled = true;
    try {
      await api('/api/retraining/' + encodeURIComponent(id) + (approve ? '/approve' : '/reject'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'dashboard', comment: approve ? 'approved in the dashboard' : 'rejected in the dashboard' }),
      });
      cell.replaceChildren(pill(approve ? 'approval sent' : 'rejection sent', approve ? 'ok' : 'warn'));
      await refresh(true);
    } catch (e) {
      if (e instanceof Unauthorized) { askForKey('API key rejected'); return; }
      cell.replaceChildren(pill(String(e.message || e), 'bad'));
    }
  }

  async function refresh(slow) {
    const jobs = [
      api('/api/stats').then(renderStats),
      api('/api/devices?limit=500').then(renderDevices),
      api('/api/anomalies?limit=25').then(renderAnomalies),
      api('/api/retraining').then(renderRetraining),
    ];
    if (slow) {
      jobs.push(api('/api/drift').then(renderDrift), api('/api/models').then(renderModels));
    }
    const results = await Promise.allSettled(jobs);
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) {
      if (failure.reason instanceof Unauthorized) { stop(); askForKey('API key rejected'); return; }
      setConnection('error: ' + (failure.reason && failure.reason.message), 'bad');
      return;
    }
    setConnection('live', 'ok');
  }

  async function loop() {
    timer = null;
    await refresh(tick % SLOW_EVERY === 0);
    tick++;
    if (apiKey) timer = setTimeout(loop, FAST_MS);
  }

  function stop() { if (timer) { clearTimeout(timer); timer = null; } }

  function start() {
    stop();
    $('key-form').hidden = true;
    tick = 0;
    previous = null;
    loop();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('key-input').value.trim();
      if (!value) return;
      sessionStorage.setItem(KEY_STORAGE, value);
      $('key-input').value = '';
      apiKey = value;
      start();
    });
    $('change-key').addEventListener('click', () => { stop(); askForKey('enter the API key'); });
    apiKey = readKey();
    if (apiKey) start(); else askForKey();
  });
})();
