// One order: what it is and waits for, its actions, and its timeline — steps and their
// outcomes (signals and manual actions included), inquiries, returns and the events it
// published — then its inquiries and its document.
import { api } from './api.js';
import { add, clear, el, facts, problemBox, stateBadge, table, time } from './dom.js';
import { actionPanel } from './actions.js';

function stepEntry(step) {
  const what = step.outcome === 'signal' || step.outcome === 'manual_action' ? `${step.outcome} ${step.code || ''}`
    : `${step.step} (${step.plugin} ${step.step_kind}${step.attempt > 1 ? `, attempt ${step.attempt}` : ''})`;
  return {
    at: step.finished_at, kind: step.chain ? `step · ${step.chain}` : 'step', what,
    outcome: step.outcome, detail: [step.code, step.message].filter(Boolean).join(': '),
  };
}

function timelineEntry(entry) {
  if (entry.type === 'inquiry.opened') {
    return { at: entry.at, kind: 'inquiry', what: `opened (${entry.channel})`, outcome: '', detail: entry.question };
  }
  if (entry.type === 'inquiry.answered') {
    return { at: entry.at, kind: 'inquiry', what: `answered by ${entry.by}`, outcome: '', detail: entry.answer };
  }
  return {
    at: entry.at, kind: 'return', what: `${entry.type}${entry.return_ref ? ` ${entry.return_ref}` : ''}`,
    outcome: entry.code, detail: entry.message,
  };
}

function eventEntry(event) {
  const payload = JSON.stringify(event.payload);
  return {
    at: event.created_at, kind: 'event', what: event.type, outcome: '',
    detail: payload.length > 300 ? `${payload.slice(0, 300)}…` : payload,
  };
}

// Steps, the timeline's other entries and the events, oldest first (stable for equal times).
function mergedTimeline(order, events) {
  const entries = [...order.steps.map(stepEntry),
    ...order.timeline.filter((t) => t.type !== 'step').map(timelineEntry),
    ...(events || []).map(eventEntry)];
  return entries.map((e, i) => [e, i]).sort(([a, i], [b, j]) => a.at - b.at || i - j).map(([e]) => e);
}

function inquiryRows(inquiries) {
  return inquiries.map((q) => [time(q.created_at), q.channel, q.status, q.question,
    q.answer ? `${q.answer} — ${q.answered_by}, ${time(q.answered_at)}` : '']);
}

function summary(order) {
  const customer = order.document.customer || {};
  return facts([
    ['order_ref', order.order_ref], ['id', order.id], ['state', stateBadge(order.state)],
    ['waits for', order.awaiting_signal], ['wakes at', time(order.wake_at)], ['undoing towards', order.compensate_to],
    ['chain', `${order.chain} v${order.chain_version}, at step ${order.current_step}`],
    ['customer', [customer.id, customer.name].filter(Boolean).join(' — ')],
    ['created', time(order.created_at)], ['updated', time(order.updated_at)],
  ]);
}

// The optional parts: an error there is shown in place, the rest of the page stays.
async function optional(load) {
  try {
    return { value: await load() };
  } catch (error) {
    return { error };
  }
}

export async function renderOrder(view, id, message) {
  const path = `/v1/orders/${encodeURIComponent(id)}`;
  const [order, events, inquiries] = await Promise.all([api(path), optional(() => api(`${path}/events`)),
    optional(() => api(`${path}/inquiries`))]);
  clear(view);
  const refresh = (text) => renderOrder(view, id, text).catch((error) => add(clear(view), problemBox(error)));
  add(view,
    el('h2', {}, 'Order ', el('span', { id: 'order-ref' }, order.order_ref), ' ', stateBadge(order.state)),
    message ? el('p', { className: 'ok', role: 'status', id: 'action-message' }, message) : null,
    el('div', { className: 'panel' }, summary(order)),
    el('h3', {}, 'Actions'), actionPanel(order, refresh),
    el('h3', {}, 'Timeline'),
    events.error ? problemBox(events.error) : null,
    table(['time', 'kind', 'what', 'outcome', 'detail'],
      mergedTimeline(order, events.value && events.value.events).map((e) => [time(e.at), e.kind, e.what, e.outcome, e.detail]),
      'Nothing happened yet.'),
    el('h3', {}, 'Inquiries'),
    inquiries.error ? problemBox(inquiries.error)
      : table(['opened', 'channel', 'status', 'question', 'answer'], inquiryRows(inquiries.value.inquiries), 'No inquiry.'),
    el('h3', {}, 'Document'),
    el('pre', { id: 'order-document' }, JSON.stringify(order.document, null, 2)));
}
