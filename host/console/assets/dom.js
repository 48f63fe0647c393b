// Building the page from API data without ever parsing it as HTML: every text goes in as a
// text node (order documents, plugin messages and webhook errors are untrusted input).

// el('a', {href: '#/x', className: 'c', onclick: f}, 'text', otherNode, [more], null)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

// node.append() writes null as the text "null"; this skips null, undefined and false.
export function add(node, ...children) {
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// Milliseconds since the epoch, as local date and time; '' for none.
export function time(ms) {
  if (ms === undefined || ms === null) return '';
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function stateBadge(state) {
  return el('span', { className: `state state-${state}` }, state);
}

export function orderLink(id, label) {
  return el('a', { href: `#/order/${encodeURIComponent(id)}` }, label || id);
}

// A refusal or failure, in the host's words; 401 and 403 say what to do about them.
export function problemBox(error) {
  const hint = error.status === 401 ? ' Sign in again with a valid key.'
    : error.status === 403 ? ' Ask for a key with the role this needs.' : '';
  return el('p', { className: 'problem', role: 'alert' },
    el('strong', {}, error.status ? `${error.status} ${error.title}` : error.title || 'Error'),
    `: ${String(error.detail || error.message).replace(/\.$/, '')}.${hint}`);
}

// headers: ['a', 'b']; rows: arrays of cells (text or nodes).
export function table(headers, rows, emptyText = 'None.') {
  if (rows.length === 0) return el('p', { className: 'note' }, emptyText);
  return el('table', {},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', { className: 'wrap' }, c))))));
}

export function facts(pairs) {
  return el('dl', { className: 'facts' },
    pairs.filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
}

// Runs `load` and shows what it renders, or the error, in `container`.
export async function loadInto(container, load) {
  clear(container).appendChild(el('p', { className: 'note' }, 'Loading…'));
  try {
    const content = await load();
    clear(container);
    append(container, [content]);
  } catch (error) {
    clear(container).appendChild(problemBox(error));
  }
}
