// The web console in a real browser (headless Chromium through puppeteer-core), against a
// running host (console_test.sh starts it): the static files' headers; a viewer sees the held
// order but no approve button and a clear refusal for admin views; a wrong key is refused at
// sign-in; an operator finds the held order, opens it, approves it, and the order completes,
// and replays a dead letter;
// hostile text in the order is shown as text and runs nothing; no script error, no CSP report.
//   ORDERHOST_URL=… OPERATOR_KEY=… VIEWER_KEY=… CHROMIUM=/usr/bin/chromium node console_browser_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

// puppeteer-core lives with the other pinned test tools (tests/tools/node_modules).
const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');

const base = process.env.ORDERHOST_URL;
const operatorKey = process.env.OPERATOR_KEY;
const viewerKey = process.env.VIEWER_KEY;
const limitedKey = process.env.LIMITED_KEY;  // viewer, limited to place-order and place-goods
assert.ok(base && operatorKey && viewerKey && limitedKey, 'ORDERHOST_URL and the three keys are needed');
const WAIT = { timeout: 15000 };
const started = Date.now();

function step(text) {
  console.log(`console test: ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function call(path, { method = 'GET', key = operatorKey, body } = {}) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body) headers['Content-Type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function checkStaticFiles() {
  const index = await fetch(`${base}/console/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html; charset=utf-8$/);
  const policy = index.headers.get('content-security-policy');
  assert.match(policy, /default-src 'self'/);
  assert.match(policy, /script-src 'self';/, 'no inline script allowed');
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(index.headers.get('x-frame-options'), 'DENY');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const tag = index.headers.get('etag');
  assert.match(tag, /^"[0-9a-f]{16}"$/);
  const again = await fetch(`${base}/console/`, { headers: { 'If-None-Match': tag } });
  assert.equal(again.status, 304);
  const script = await fetch(`${base}/console/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type'), /^text\/javascript/);
  assert.match((await fetch(`${base}/console/console.css`)).headers.get('content-type'), /^text\/css/);
  const missing = await fetch(`${base}/console/secrets.txt`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-security-policy'), /default-src 'self'/);
  const bare = await fetch(`${base}/console`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/console/');
  assert.equal((await fetch(`${base}/console/`, { method: 'POST' })).status, 405);
  // The files are public; the data is not.
  assert.equal((await fetch(`${base}/v1/orders?limit=1`)).status, 401);
}

// An order over C-200's credit limit (the Quick start's chains): held for credit_approval.
// Its customer name and attributes carry markup that must stay text.
const run = Date.now();
const hostileName = `<img src=x onerror="window.__xss=1">Mallory<script>window.__xss=2</script>`;
async function placeHeldOrder() {
  const placed = await call('/v1/orders', {
    method: 'POST',
    body: {
      order_ref: `CONSOLE-${run}`, currency: 'EUR', customer: { id: 'C-200', name: hostileName },
      lines: [{ sku: 'DRILL-18V', quantity: 7 }], attributes: { note: '<b onmouseover="window.__xss=3">bold</b>' },
    },
  });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal(placed.body.state, 'on_hold');
  assert.equal(placed.body.awaiting_signal, 'credit_approval');
  return placed.body;
}

function launchOptions() {
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');  // Chromium refuses root otherwise
  return {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args,
    userDataDir: process.env.CHROMIUM_PROFILE,
  };
}

// What went wrong in the page: script errors, CSP violations, failed requests of the console.
function watch(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // The browser logs the API's 401/403 replies as failed resources; those are expected.
    if (message.type() === 'error' && !/status of 40[13]/.test(text)) problems.push(`console: ${text}`);
  });
  return problems;
}

// Goes to a view by its hash; resolves once the console has rendered its start (the app's
// hashchange listener, registered first, runs before this one).
async function go(page, hash) {
  await page.evaluate((target) => new Promise((resolve) => {
    if (location.hash === target) return resolve();
    window.addEventListener('hashchange', () => setTimeout(resolve, 0), { once: true });
    location.hash = target;
  }), hash);
}

const textOf = (page, selector) => page.$eval(selector, (node) => node.textContent);

async function waitForText(page, selector, text) {
  await page.waitForFunction((s, t) => [...document.querySelectorAll(s)].some((n) => n.textContent.includes(t)),
    WAIT, selector, text);
}

async function signIn(page, key) {
  await page.goto(`${base}/console/`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#sign-in-form', { visible: true, ...WAIT });
  await page.type('#key', key);
  await page.click('#sign-in-button');
}

async function signOut(page) {
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in-form', { visible: true, ...WAIT });
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'signing out forgets the key');
}

// Finds the order by order_ref in the search view and opens it.
async function openBySearch(page, orderRef) {
  await go(page, '#/orders');
  await page.waitForSelector('#search-order_ref', WAIT);
  await page.type('#search-order_ref', orderRef);
  await page.click('#search-button');
  // The results of this search (not the unfiltered list shown before it).
  const link = `#search-results[data-query="order_ref=${orderRef}"] a`;
  await waitForText(page, link, orderRef);
  await page.click(link);
  await waitForText(page, '#order-ref', orderRef);
}

async function viewerSeesNoApproval(page, held) {
  await signIn(page, viewerKey);
  await waitForText(page, '#who-text', 'viewer');
  await openBySearch(page, held.order_ref);
  assert.equal(await page.$('button[data-action="approve"]'), null, 'a viewer has no approve button');
  assert.match(await textOf(page, '.refusal'), /needs a key with the erp role; this key has viewer/);
  // An admin view: the API's 403, in its own words.
  await go(page, '#/plugins');
  await waitForText(page, '.problem', '403');
  assert.match(await textOf(page, '.problem'), /has the roles viewer; this needs admin/);
  // Forced anyway (as a crafted page could): the API refuses the viewer's approval.
  const forced = await page.evaluate(async (id, key) => (await fetch(`/v1/orders/${id}/signals/credit_approval`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: '{"approved":true}',
  })).status, held.id, viewerKey);
  assert.equal(forced, 403);
  await signOut(page);
}

// A key limited to several chains must name one per search: the held list asks each chain.
async function limitedKeySeesItsHeldOrders(page, held) {
  await signIn(page, limitedKey);
  await waitForText(page, '#who-text', 'chains place-order, place-goods');
  await go(page, '#/attention');
  await waitForText(page, '#attention-on_hold a', held.order_ref);
  await signOut(page);
}

async function wrongKeyIsRefused(page) {
  await signIn(page, `ohk_000000000000_${'0'.repeat(64)}`);
  await waitForText(page, '#sign-in-error', '401');
  assert.equal(await page.$eval('#nav', (nav) => nav.hidden), true, 'no navigation without a valid key');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');
}

async function hostileTextStaysText(page) {
  const document = await textOf(page, '#order-document');
  assert.ok(document.includes('<script>window.__xss=2</script>'), 'the script tag is shown as text');
  assert.ok((await textOf(page, '.facts')).includes(hostileName), 'the customer name is shown as written');
  assert.equal(await page.$$eval('main img, main script, main b', (nodes) => nodes.length), 0, 'no element from data');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'nothing from the order ran');
  const stray = await page.$eval('#view', (view) => [...view.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent.trim()).filter(Boolean));
  assert.deepEqual(stray, [], 'no stray text (such as "null") between the sections');
}

async function operatorApproves(page, held) {
  await signIn(page, operatorKey);
  await waitForText(page, '#who-text', 'erp, admin');
  // The held list shows it, with what it waits for.
  await go(page, '#/attention');
  await waitForText(page, '#attention-on_hold a', held.order_ref);
  await waitForText(page, '#attention-on_hold td', 'credit_approval');
  await openBySearch(page, held.order_ref);
  await hostileTextStaysText(page);
  await waitForText(page, 'td', 'credit');
  await page.type('.action-note', 'approved in the console test');
  await page.click('button[data-action="approve"]');
  await waitForText(page, '#action-message', 'is now completed');
  let order;
  for (let i = 0; i < 50; ++i) {
    order = (await call(`/v1/orders/${held.id}`)).body;
    if (order.state === 'completed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(order.state, 'completed');
  const signal = order.steps.find((s) => s.outcome === 'signal');
  assert.equal(signal && signal.code, 'credit_approval');
  assert.equal(order.document.signals.credit_approval.note, 'approved in the console test');
  await waitForText(page, 'td', 'order.completed');  // the timeline shows the published events
}

// The subscriber refuses every event, so the order's events are dead letters; one is replayed
// from the console: the relay delivers it again (refused again: dead with one attempt more).
async function replayADeadLetter(page) {
  for (let i = 0; i < 100 && (await call('/v1/dead-letters')).body.dead_letters.length === 0; ++i) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await go(page, '#/dead-letters');
  await page.waitForSelector('button[data-action="replay"]', WAIT);
  const id = Number(await page.$eval('button[data-action="replay"]', (b) => b.closest('tr').firstChild.textContent));
  const before = (await call('/v1/dead-letters')).body.dead_letters.find((d) => d.id === id);
  assert.equal(before.state, 'dead');
  await page.click('button[data-action="replay"]');
  let after;
  for (let i = 0; i < 100; ++i) {
    after = (await call('/v1/dead-letters')).body.dead_letters.find((d) => d.id === id);
    if (after.state !== 'dead' || after.attempts > before.attempts) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(after.state !== 'dead' || after.attempts > before.attempts, `dead letter ${id} was not replayed`);
  await waitForText(page, 'td', 'HTTP 422');  // the last error, as the relay wrote it
}

async function operatorViews(page) {
  await go(page, '#/plugins');
  await waitForText(page, 'td', 'orderhost.credit');
  await waitForText(page, 'td', 'check-credit (credit)');  // step kinds by name and category
  assert.ok(!(await textOf(page, '#view')).includes('[object'), 'no object shown as "[object Object]"');
  await waitForText(page, 'td', 'place-order');
  await replayADeadLetter(page);
  await go(page, '#/health');
  await waitForText(page, '#health-status', 'ok');
  await waitForText(page, '#ready-status', 'ready');
  await waitForText(page, '#metric-figures', 'orders completed');
}

await checkStaticFiles();
step('static files and headers as expected');
const held = await placeHeldOrder();
step(`order ${held.order_ref} held for credit_approval`);
const browser = await puppeteer.launch(launchOptions());
try {
  const page = await browser.newPage();
  const problems = watch(page);
  await wrongKeyIsRefused(page);
  step('a wrong key is refused at sign-in');
  await viewerSeesNoApproval(page, held);
  step('a viewer sees no approve button and a clear refusal');
  await limitedKeySeesItsHeldOrders(page, held);
  step('a key limited to two chains sees the held order');
  await operatorApproves(page, held);
  step('the operator approved the held order and it completed; hostile text stayed text');
  await operatorViews(page);
  step('plugins, chains, dead letters and health render');
  assert.deepEqual(problems, [], 'no script error and no CSP violation in the page');
} finally {
  await browser.close();
}
step('passed');
