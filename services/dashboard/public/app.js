// Fetches /api/overview and renders it; refreshes every `refreshSeconds` (5 s), one request at a time.
// Everything is rendered with textContent: upstream error messages never become markup.
'use strict';

const STATUS = {
  up: { icon: '✓', word: 'Up' },
  degraded: { icon: '!', word: 'Degraded' },
  down: { icon: '✕', word: 'Down' },
  unknown: { icon: '?', word: 'Unknown' },
};

const TASK_LABELS = {
  data_processing: 'Data processing',
  cleanup: 'Cleanup',
  health_check: 'Health check',
  metrics_collection: 'Metrics collection',
};

const REQUEST_TIMEOUT_MS = 4000;
let refreshSeconds = 5;
let lastSuccess = null;

const byId = (id) => document.getElementById(id);

function element(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function badge(status) {
  const known = STATUS[status] ? status : 'unknown';
  const node = element('span', { className: 'badge', attrs: { 'data-status': known } }, [
    element('span', { className: 'badge-icon', text: STATUS[known].icon, attrs: { 'aria-hidden': 'true' } }),
    element('span', { className: 'badge-text', text: STATUS[known].word }),
  ]);
  return node;
}

function setBadge(node, status) {
  node.replaceWith(Object.assign(badge(status), { id: node.id }));
}

const formatMs = (ms) => (ms === null || ms === undefined ? '–' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
const formatTime = (date) => date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function serviceCard(service) {
  const rows = [
    ['Status', STATUS[service.status] ? STATUS[service.status].word : service.status],
    ['Response time', formatMs(service.responseTimeMs)],
  ];
  if (service.detail) rows.push(['Detail', service.detail]);
  if (service.error) rows.push(['Problem', service.error]);
  const list = element('dl');
  for (const [term, description] of rows) {
    list.append(element('dt', { text: term }), element('dd', { text: description, className: term === 'Problem' ? 'problem' : '' }));
  }
  return element('li', { className: 'card', attrs: { 'data-status': service.status } }, [
    element('div', { className: 'card-head' }, [element('h3', { text: service.label }), badge(service.status)]),
    list,
  ]);
}

function renderTasks(tasks) {
  const rows = byId('task-rows');
  byId('tasks-unavailable').hidden = tasks !== null;
  byId('tasks-table').hidden = tasks === null;
  if (tasks === null) {
    byId('last-task').textContent = 'Last task: unknown';
    return;
  }
  rows.replaceChildren(
    ...tasks.rows.map((row) =>
      element('tr', {}, [
        element('th', { text: TASK_LABELS[row.type] || row.type, attrs: { scope: 'row' } }),
        element('td', { className: 'num', text: String(row.success) }),
        row.failed > 0
          ? element('td', { className: 'num has-failures' }, [
              element('span', { text: '✕ ', attrs: { 'aria-hidden': 'true' } }),
              String(row.failed),
            ])
          : element('td', { className: 'num', text: '0' }),
      ]),
    ),
  );
  byId('total-success').textContent = String(tasks.totals.success);
  byId('total-failed').textContent = String(tasks.totals.failed);
  const last = tasks.lastTask;
  byId('last-task').textContent = last
    ? `Last task: ${TASK_LABELS[last.type] || last.type} ${last.status === 'success' ? 'succeeded' : 'FAILED'} at ${formatTime(new Date(last.finishedAt))} (${Math.round(last.ageSeconds)} s before this refresh)`
    : 'Last task: none recorded yet';
}

function render(overview) {
  setBadge(byId('overall'), overview.overall);
  byId('services').replaceChildren(...overview.services.map(serviceCard));
  renderTasks(overview.tasks);
  refreshSeconds = overview.refreshSeconds || refreshSeconds;
  byId('refresh-seconds').textContent = String(refreshSeconds);
}

function showRefreshed() {
  if (!lastSuccess) return;
  const time = byId('refreshed-at');
  time.textContent = formatTime(lastSuccess);
  time.setAttribute('datetime', lastSuccess.toISOString());
  byId('refreshed-ago').textContent = `(${Math.max(0, Math.round((Date.now() - lastSuccess.getTime()) / 1000))} s ago)`;
}

async function refresh() {
  const problem = byId('refresh-error');
  try {
    const response = await fetch('/api/overview', { cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the dashboard answered HTTP ${response.status}`);
    render(await response.json());
    lastSuccess = new Date();
    problem.hidden = true;
    document.body.classList.remove('stale');
  } catch (error) {
    const reason = error && error.name === 'TimeoutError' ? 'the dashboard did not answer in time' : error.message;
    problem.textContent = lastSuccess
      ? `Could not refresh (${reason}). Showing data from ${formatTime(lastSuccess)}: it may be out of date.`
      : `Could not load the status (${reason}). Retrying.`;
    problem.hidden = false;
    document.body.classList.add('stale');
  } finally {
    showRefreshed();
    setTimeout(refresh, refreshSeconds * 1000);
  }
}

setInterval(showRefreshed, 1000);
refresh();
