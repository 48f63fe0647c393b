// Finding orders (GET /v1/orders search) and the orders that need a person: held, failed and
// waiting to retry, each with what it waits for and the actions the key may take.
import { api, session } from './api.js';
import { add, clear, el, loadInto, orderLink, problemBox, stateBadge, table, time } from './dom.js';
import { actionPanel } from './actions.js';

export const STATES = ['received', 'in_progress', 'completed', 'rejected', 'on_hold', 'failed', 'retry_wait',
  'compensating', 'cancelled', 'returned'];
const FILTERS = ['order_ref', 'customer', 'state', 'chain'];

function summaryRows(orders) {
  return orders.map((o) => [orderLink(o.id, o.order_ref), o.customer_id || '', `${o.chain} v${o.chain_version}`,
    stateBadge(o.state), time(o.created_at), time(o.updated_at)]);
}

const SUMMARY_HEADERS = ['order_ref', 'customer', 'chain', 'state', 'created', 'updated'];

function searchForm(query) {
  const input = (name, label) => el('label', {}, label,
    el('input', { name, id: `search-${name}`, value: query.get(name) || '', size: name === 'chain' ? 14 : 20 }));
  const state = el('select', { name: 'state', id: 'search-state' }, el('option', { value: '' }, 'any state'),
    STATES.map((s) => el('option', { value: s, selected: query.get('state') === s }, s)));
  return el('form', {
    className: 'inline', id: 'search-form',
    onsubmit: (event) => {
      event.preventDefault();
      const params = new URLSearchParams();
      for (const [name, value] of new FormData(event.target)) if (value.trim()) params.set(name, value.trim());
      const hash = `#/orders?${params}`;
      // The same search again: no hashchange, so ask for it.
      if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = hash;
    },
  }, input('order_ref', 'order_ref'), input('customer', 'customer id'), el('label', {}, 'state', state),
  input('chain', 'chain'), el('button', { type: 'submit', className: 'primary', id: 'search-button' }, 'Find'));
}

// GET /v1/orders with the filters in `query`; order_ref alone answers with the order itself.
async function searchPage(query, cursor) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (query.get(name)) params.set(name, query.get(name));
  if ([...params.keys()].join() === 'order_ref') {
    try {
      return { orders: [await api(`/v1/orders?${params}`)] };
    } catch (error) {
      if (error.status === 404) return { orders: [] };
      throw error;
    }
  }
  params.set('limit', '50');
  if (cursor) params.set('cursor', cursor);
  return api(`/v1/orders?${params}`);
}

export async function renderOrders(view, query) {
  // data-query: which search these results answer (a test or a person can tell them apart).
  const results = el('div', { id: 'search-results', 'data-query': query.toString() });
  add(view, el('h2', {}, 'Orders'), searchForm(query), results);
  // One page, and a button that loads the next one in its place (keyset paging: next_cursor).
  const showPage = async (cursor) => {
    const page = await searchPage(query, cursor);
    const next = page.next_cursor
      ? el('button', {
        type: 'button', className: 'next-page',
        onclick: (event) => {
          const holder = el('div');
          event.target.replaceWith(holder);
          loadInto(holder, () => showPage(page.next_cursor));
        },
      }, 'Next page')
      : null;
    return el('div', {}, table(SUMMARY_HEADERS, summaryRows(page.orders), cursor ? '' : 'No order matches.'), next);
  };
  await loadInto(results, () => showPage());
}

// What a held order waits for, its last step's words, and its actions.
function attentionRow(order, refresh) {
  const last = order.steps[order.steps.length - 1];
  const why = last ? [last.step, ': ', last.outcome, last.code ? ` (${last.code})` : '', last.message ? ` — ${last.message}` : ''] : '';
  return [orderLink(order.id, order.order_ref), `${order.chain} v${order.chain_version}`, stateBadge(order.state),
    order.awaiting_signal || (order.wake_at ? `retry at ${time(order.wake_at)}` : ''), el('span', {}, why),
    actionPanel(order, refresh, { compact: true })];
}

async function attentionSection(state, title) {
  const section = el('div', { id: `attention-${state}` });
  const load = async () => {
    // A key limited to several chains must name one per search (a single one is implied).
    const chains = session.chains.length > 1 ? session.chains : [''];
    const pages = await Promise.all(chains.map((chain) =>
      api(`/v1/orders?state=${state}&limit=100${chain ? `&chain=${encodeURIComponent(chain)}` : ''}`)));
    const page = { orders: pages.flatMap((p) => p.orders), next_cursor: pages.some((p) => p.next_cursor) };
    // The summaries lack what the order waits for: read each order (at most 100 a chain).
    const orders = await Promise.all(page.orders.map((o) => api(`/v1/orders/${encodeURIComponent(o.id)}`)));
    const rows = orders.map((order) => attentionRow(order, () => loadInto(section, load)));
    return el('div', {}, table(['order_ref', 'chain', 'state', 'waits for', 'last step', 'actions'], rows,
      `No ${state} order.`), page.next_cursor ? el('p', { className: 'note' }, 'More than 100: search by state to page.') : null);
  };
  const wrapper = el('div', {}, el('h3', {}, title), section);
  loadInto(section, load);
  return wrapper;
}

export async function renderAttention(view) {
  add(view, el('h2', {}, 'Held and failed orders'),
    el('p', { className: 'note' }, 'Orders that wait for a person or a timer. Open one for its whole timeline.'));
  try {
    add(view, await attentionSection('on_hold', 'On hold'), await attentionSection('failed', 'Failed'),
      await attentionSection('retry_wait', 'Waiting to retry'));
  } catch (error) {
    add(clear(view), problemBox(error));
  }
}
