// The actions a person takes on an order, offered only when the key's roles allow them:
//   on_hold for credit_approval → Approve / Decline        (POST …/signals/credit_approval, erp)
//   on_hold for manual_action   → Retry / Skip / Undo / Fail (POST …/signals/manual_action, admin)
//   on_hold for another signal  → send it with a JSON body  (POST …/signals/{name}, erp)
//   on_hold, retry_wait, completed, failed → Cancel         (POST …/cancel, erp)
// When the key lacks the role, the panel says which role the action needs instead.
import { api, can, newIdempotencyKey, session } from './api.js';
import { el, problemBox } from './dom.js';

const CANCELLABLE = ['on_hold', 'retry_wait', 'completed', 'failed'];
const MANUAL_ACTIONS = [
  ['retry', 'Retry', 'Run the failed step (or undo) again'],
  ['skip', 'Skip', 'Go on without it (a skipped step is never undone)'],
  ['compensate', 'Undo and fail', 'Undo the completed steps, then failed'],
  ['fail', 'Fail', 'Failed at once, nothing undone'],
];

function needs(role, what) {
  return el('span', { className: 'note refusal' },
    `${what} needs a key with the ${role} role; this key has ${session.roles.join(', ') || 'no role'}.`);
}

// refresh(message): called after an action succeeded, with what happened.
export function actionPanel(order, refresh, { compact = false } = {}) {
  const panel = el('div', { className: 'actions', 'data-order': order.id });
  const result = el('div', { className: 'action-result' });
  const buttons = [];
  const orderPath = `/v1/orders/${encodeURIComponent(order.id)}`;
  const note = el('input', { className: 'action-note', placeholder: 'note (optional)', size: compact ? 16 : 32 });
  const noted = (body) => (note.value.trim() ? { ...body, note: note.value.trim() } : body);

  // A button that POSTs `path` with body() and reports the order's new state.
  const button = (label, className, path, body, title) => {
    const b = el('button', {
      type: 'button', className, title, 'data-action': label.toLowerCase(),
      onclick: async () => {
        let payload;
        try {
          payload = body();
        } catch (error) {
          result.replaceChildren(el('p', { className: 'problem', role: 'alert' }, error.message));
          return;
        }
        buttons.forEach((x) => { x.disabled = true; });
        try {
          const updated = await api(path, { method: 'POST', body: payload, idempotencyKey: newIdempotencyKey() });
          refresh(`${label}: order ${updated.order_ref} is now ${updated.state}.`);
        } catch (error) {
          result.replaceChildren(problemBox(error));
          buttons.forEach((x) => { x.disabled = false; });
        }
      },
    }, label);
    buttons.push(b);
    return b;
  };

  const items = [];
  const signal = order.state === 'on_hold' ? order.awaiting_signal : undefined;
  const signalPath = signal && `${orderPath}/signals/${encodeURIComponent(signal)}`;
  if (signal === 'credit_approval') {
    if (can('erp')) {
      items.push(note, button('Approve', 'primary', signalPath, () => noted({ approved: true })),
        button('Decline', 'danger', signalPath, () => noted({ approved: false })));
    } else items.push(needs('erp', 'Approving or declining credit'));
  } else if (signal === 'manual_action') {
    if (can('admin')) {
      items.push(note, MANUAL_ACTIONS.map(([action, label, title]) =>
        button(label, action === 'retry' ? 'primary' : '', signalPath, () => noted({ action }), title)));
    } else items.push(needs('admin', 'A manual action'));
  } else if (signal) {
    if (can('erp')) {
      const payload = el('textarea', { className: 'signal-body', rows: 2, cols: compact ? 20 : 40 }, '{}');
      items.push(payload, button(`Send ${signal}`, 'primary', signalPath, () => {
        const value = JSON.parse(payload.value || '{}');
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('The signal body must be a JSON object.');
        return value;
      }));
    } else items.push(needs('erp', `Sending ${signal}`));
  }
  if (!compact && CANCELLABLE.includes(order.state)) {
    if (can('erp')) {
      const reason = el('input', { className: 'cancel-reason', placeholder: 'reason for the cancellation', size: 28 });
      const cancel = button('Cancel order', 'danger', `${orderPath}/cancel`,
        () => (reason.value.trim() ? { reason: reason.value.trim() } : {}), 'Undo its steps, then run the cancel chain');
      // Two clicks: the first only reveals the reason and arms the real button.
      cancel.hidden = true;
      reason.hidden = true;
      const arm = el('button', {
        type: 'button', className: 'danger', 'data-action': 'cancel…',
        onclick: () => { arm.hidden = true; reason.hidden = false; cancel.hidden = false; reason.focus(); },
      }, 'Cancel…');
      items.push(arm, reason, cancel);
    } else items.push(needs('erp', 'Cancelling'));
  }
  if (items.length === 0) return el('span', { className: 'note' }, compact ? '' : 'No action: the order waits for nobody.');
  panel.append(...items.flat());
  return el('div', {}, panel, result);
}
