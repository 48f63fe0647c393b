// The console's entry point: sign-in, navigation and the routes (location.hash), each
// rendered by a view module from the /v1 API.
import { describeSession, forgetKey, onUnauthorized, signIn, storedKey } from './api.js';
import { add, clear, el, problemBox } from './dom.js';
import { renderAttention, renderOrders } from './orders.js';
import { renderOrder } from './order.js';
import { renderDeadLetters, renderHealth, renderPlugins } from './system.js';

const $ = (id) => document.getElementById(id);

// A malformed link (#/order/%E0%A4) must not throw before the view's error handling: the id
// is then used as written, and the API answers that there is no such order.
function decodedOrRaw(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const routes = {
  orders: (view, rest, query) => renderOrders(view, query),
  order: (view, rest) => renderOrder(view, decodedOrRaw(rest)),
  attention: (view) => renderAttention(view),
  plugins: (view) => renderPlugins(view),
  'dead-letters': (view) => renderDeadLetters(view),
  health: (view) => renderHealth(view),
};

// "#/order/<id>" → ['order', '<id>', params]; "#/orders?state=on_hold" → ['orders', '', params]
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  return [name || 'orders', slash < 0 ? '' : path.slice(slash + 1), new URLSearchParams(query)];
}

function showSignIn(error) {
  $('nav').hidden = true;
  $('who').hidden = true;
  $('view').hidden = true;
  $('sign-in').hidden = false;
  const message = $('sign-in-error');
  message.hidden = !error;
  if (error) clear(message).appendChild(problemBox(error));
  $('key').focus();
}

function route() {
  if (!storedKey() && $('nav').hidden) return showSignIn();
  const [name, rest, query] = parseHash();
  const render = routes[name] || routes.orders;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.dataset.view === name || (name === 'order' && link.dataset.view === 'orders'));
  }
  const view = clear($('view'));
  view.dataset.route = name;
  render(view, rest, query).catch((error) => add(clear(view), problemBox(error)));
}

function signedIn() {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('view').hidden = false;
  clear($('who-text')).appendChild(el('span', {}, describeSession()));
  route();
}

async function start() {
  onUnauthorized((error) => {
    forgetKey();
    showSignIn(error);
  });
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('sign-in-button');
    button.disabled = true;
    try {
      await signIn($('key').value.trim());
      $('key').value = '';
      signedIn();
    } catch (error) {
      showSignIn(error);
    } finally {
      button.disabled = false;
    }
  });
  $('sign-out').addEventListener('click', () => {
    forgetKey();
    location.hash = '';
    showSignIn();
  });
  window.addEventListener('hashchange', () => {
    if (!$('nav').hidden) route();
  });
  if (!storedKey()) return showSignIn();
  try {
    await signIn(storedKey());
    signedIn();
  } catch (error) {
    showSignIn(error);
  }
}

start();
