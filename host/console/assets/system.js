// The host itself: plugins and chains with their versions and refusals (admin), dead letters
// with replay (admin), and health, readiness and key metrics (any role).
import { api, can, newIdempotencyKey } from './api.js';
import { add, el, facts, loadInto, orderLink, problemBox, table, time } from './dom.js';

export async function renderPlugins(view) {
  const body = el('div');
  add(view, el('h2', {}, 'Plugins and chains'), body);
  await loadInto(body, async () => {
    const [plugins, chains] = await Promise.all([api('/v1/plugins'), api('/v1/chains')]);
    return el('div', {},
      el('h3', {}, 'Plugins'),
      table(['id', 'version', 'vendor', 'ABI', 'step kinds', 'isolated', 'file'], plugins.plugins.map((p) =>
        [p.id, p.version, p.vendor, `${p.abi_major}.${p.abi_minor}`, p.step_kinds.map((k) => `${k.name} (${k.category})`).join(', '), p.isolated ? 'yes' : 'no', p.file]),
      'No plugin loaded.'),
      el('h3', {}, 'Refused plugin files'),
      table(['file', 'reason'], plugins.refused.map((r) => [r.file, r.reason]), 'None refused.'),
      el('h3', {}, 'Chains'),
      table(['name', 'version', 'trigger', 'steps', 'cancellable until', 'file'], chains.chains.map((c) =>
        [c.name, `${c.version}${c.latest ? ' (latest)' : ''}`, c.trigger,
          c.steps.map((s) => `${s.name}: ${s.plugin} ${s.step}${s.attempts > 1 ? ` ×${s.attempts}` : ''}`).join('\n'),
          c.cancellable_until || '', c.file]), 'No chain loaded.'),
      el('h3', {}, 'Chain errors'),
      chains.errors.length ? el('pre', { id: 'chain-errors' }, chains.errors.join('\n')) : el('p', { className: 'note' }, 'None.'));
  });
}

function replayButton(letter, reload) {
  if (!can('admin') || letter.state !== 'dead') return '';
  const result = el('span');
  const button = el('button', {
    type: 'button', 'data-action': 'replay',
    onclick: async () => {
      button.disabled = true;
      try {
        await api(`/v1/dead-letters/${letter.id}/replay`, { method: 'POST', idempotencyKey: newIdempotencyKey() });
        reload();
      } catch (error) {
        result.replaceChildren(problemBox(error));
        button.disabled = false;
      }
    },
  }, 'Replay');
  return el('span', {}, button, result);
}

export async function renderDeadLetters(view) {
  const body = el('div');
  const filter = el('select', { id: 'dead-letter-state', onchange: () => load() },
    ['', 'dead', 'replay', 'replayed'].map((s) => el('option', { value: s }, s || 'any state')));
  const load = () => loadInto(body, async () => {
    const query = filter.value ? `?state=${filter.value}` : '';
    const { dead_letters: letters } = await api(`/v1/dead-letters${query}`);
    return table(['id', 'subscriber', 'event', 'order', 'attempts', 'last error', 'state', 'dead at', 'replayed at', ''],
      letters.map((d) => [String(d.id), d.subscriber, `${d.event_type || '(gone)'} #${d.event_id}`,
        d.order_id ? orderLink(d.order_id) : '', String(d.attempts), d.last_error, d.state, time(d.dead_at),
        time(d.replayed_at), replayButton(d, load)]),
      'No dead letter: every subscriber took its events.');
  });
  add(view, el('h2', {}, 'Dead letters'),
    el('p', { className: 'note' }, 'Webhook events set aside after events.webhook_max_attempts refusals. A replay ' +
      'delivers one once more, before the subscriber\'s new events.'),
    el('form', { className: 'inline', onsubmit: (e) => e.preventDefault() }, el('label', {}, 'state', filter)), body);
  await load();
}

// Prometheus text → [{name, labels: {…}, value}] (comments and malformed lines skipped).
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const [, name, value] of (match[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function sum(samples, name, where = () => true) {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((total, s) => total + s.value, 0);
}

function metricFigures(samples) {
  const figure = (label, value) => el('div', { className: 'figure' }, el('b', {}, String(value)), label);
  const states = [...new Set(samples.filter((s) => s.name === 'orderhost_orders').map((s) => s.labels.state))].sort();
  const subscribers = samples.filter((s) => s.name === 'orderhost_outbox_pending_events');
  return el('div', { className: 'figures', id: 'metric-figures' },
    states.map((state) => figure(`orders ${state}`, sum(samples, 'orderhost_orders', (l) => l.state === state))),
    figure('step workers busy', `${sum(samples, 'orderhost_step_workers_busy')} / ${sum(samples, 'orderhost_step_workers_max')}`),
    figure('database sessions in use', `${sum(samples, 'orderhost_db_pool_sessions', (l) => l.state === 'in_use')} / ${sum(samples, 'orderhost_db_pool_max_sessions')}`),
    figure('holds', sum(samples, 'orderhost_holds_total')),
    figure('step retries', sum(samples, 'orderhost_step_retries_total')),
    figure('compensations started', sum(samples, 'orderhost_compensations_started_total')),
    figure('HTTP requests', sum(samples, 'orderhost_http_requests_total')),
    subscribers.map((s) => figure(`outbox pending · ${s.labels.subscriber}`, s.value)));
}

export async function renderHealth(view) {
  const body = el('div');
  const load = () => loadInto(body, async () => {
    const [health, ready, metrics] = await Promise.all([api('/v1/health'), api('/v1/health/ready'),
      api('/metrics', { text: true }).then(parseMetrics)]);
    return el('div', {},
      el('div', { className: 'panel' }, facts([
        ['health', el('span', { id: 'health-status', className: health.status === 'ok' ? 'ok' : 'problem' }, health.status)],
        ['readiness', el('span', { id: 'ready-status', className: ready.status === 'ready' ? 'ok' : 'problem' }, ready.status)],
        ['checks', Object.entries(ready.checks).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['chains loaded', String(health.chains)], ['plugins loaded', String(health.plugins)],
        ['problems', String(health.problems)],
        ['step workers', health.step_workers ? `${health.step_workers.busy} busy of ${health.step_workers.max}` : ''],
      ])),
      [...(health.reasons || []), ...(ready.reasons || []), ...(health.engine_problems || [])].length
        ? el('pre', { className: 'problem' }, [...(health.reasons || []), ...(ready.reasons || []),
          ...(health.engine_problems || [])].join('\n')) : null,
      el('h3', {}, 'Key metrics'), metricFigures(metrics),
      el('p', { className: 'note' }, 'From /metrics (Prometheus text format); every series is listed in the admin guide.'));
  });
  add(view, el('h2', {}, 'Health and metrics'),
    el('button', { type: 'button', id: 'refresh-health', onclick: () => load() }, 'Refresh'), body);
  await load();
}
