// Calls to the host's /v1 API with the signed-in API key, and who that key is.
//
// The key lives in sessionStorage only: it leaves with the tab, is not shared with other tabs
// or written to disk by the console, and is sent nowhere but this host's API (same origin;
// the Content-Security-Policy forbids other destinations).

const KEY_ITEM = 'orderhost.console.key';

// Who is signed in (GET /v1/whoami): {key_id?, name?, roles: [...], chains: [...]}.
export const session = { roles: [], chains: [] };

export function storedKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
  session.roles = [];
  session.chains = [];
  delete session.key_id;
  delete session.name;
}

export function can(role) {
  return session.roles.includes(role);
}

// A refused or failed request: the HTTP status (0: no answer) and the host's own words
// (the problem document's detail).
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(`${status ? status + ' ' : ''}${title}: ${detail}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

// An Idempotency-Key per action, so a repeated click or a retried request never acts twice.
// getRandomValues, not randomUUID: the latter exists only on https or localhost.
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'console-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function problemOf(response) {
  const text = await response.text();
  try {
    const problem = JSON.parse(text);
    return new ApiError(response.status, problem.title || response.statusText, problem.detail || text);
  } catch {
    return new ApiError(response.status, response.statusText, text.slice(0, 500) || 'no detail');
  }
}

// GET or POST a /v1 path; resolves to the parsed JSON (or the text with {text: true}), rejects
// with ApiError. A 401 anywhere also runs the handler set with onUnauthorized.
export async function api(path, { method = 'GET', body, text = false, idempotencyKey } = {}) {
  const headers = { Accept: text ? 'text/plain' : 'application/json' };
  const key = storedKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit',
    });
  } catch (error) {
    throw new ApiError(0, 'No answer', `the host did not answer (${error.message})`);
  }
  if (!response.ok && !(response.status === 503 && path.startsWith('/v1/health'))) {
    const error = await problemOf(response);
    if (response.status === 401 && unauthorizedHandler) unauthorizedHandler(error);
    throw error;
  }
  return text ? response.text() : response.json();
}

let unauthorizedHandler = null;
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// Signs in with `key`: keeps it only when the host accepts it.
export async function signIn(key) {
  storeKey(key);
  try {
    Object.assign(session, await api('/v1/whoami'));
  } catch (error) {
    forgetKey();
    throw error;
  }
}

export function describeSession() {
  const who = session.key_id ? `key ${session.key_id} (${session.name})` : session.name || 'no key needed (open host)';
  const chains = session.chains.length ? `; chains ${session.chains.join(', ')}` : '';
  return `${who}; roles ${session.roles.join(', ') || 'none'}${chains}`;
}
