// The queue console: one row per delivery line from GET ../api/queues, refreshed every few
// seconds; a click opens the line's drill-down and actions. Built with DOM calls and textContent
// only: reply texts come from remote mail servers and must never be read as markup.
const REFRESH_MS = 5000;
const API = '../api';
let selected = null; // {vmta, policy} of the open drill-down

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function xsrfToken() {
  const cookie = document.cookie.split('; ').find(c => c.startsWith('XSRF-TOKEN='));
  return cookie ? decodeURIComponent(cookie.substring('XSRF-TOKEN='.length)) : '';
}

/** A call to the API; a POST carries the CSRF token; a lost login goes back to the form. */
async function api(path, method = 'GET', body = undefined) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET') headers['X-XSRF-TOKEN'] = xsrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, {
    method, headers, credentials: 'same-origin', redirect: 'manual',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 || response.type === 'opaqueredirect') {
    window.location.href = '../login';
    throw new Error('not logged in');
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}

function path(line) {
  return `/queues/${encodeURIComponent(line.vmta)}/${encodeURIComponent(line.policy)}`;
}

function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toISOString().substring(11, 19) + (Date.now() - d > 86400000 ? ' ' + d.toISOString().substring(0, 10) : '');
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds === 0) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

function count(n) {
  return n === null || n === undefined ? '–' : String(n);
}

function modeCell(row) {
  const badge = el('span', { class: `mode ${row.mode}`, 'data-mode': row.mode }, row.mode);
  const cell = el('td', {}, badge);
  if (row.suspendedUntil) {
    cell.append(el('span', { class: 'why' }, `until ${time(row.suspendedUntil)}: ${row.suspendReason || ''}`));
  } else if (row.backoffSince) {
    cell.append(el('span', { class: 'why' },
      `since ${time(row.backoffSince)} until ${time(row.backoffUntil)}: ${row.backoffReason || ''}`));
  }
  return cell;
}

/** The last hour as stacked bars, one a minute: delivered, deferred, bounced. */
function chart(perMinute) {
  const w = 180, h = 28, bar = w / perMinute.length;
  const max = Math.max(1, ...perMinute.map(m => m.delivered + m.deferred + m.bounced));
  const root = svg('svg', { width: w, height: h, class: 'spark', role: 'img' });
  const totals = { d: 0, t: 0, b: 0 };
  perMinute.forEach((m, i) => {
    let y = h;
    for (const [kind, n] of [['d', m.delivered], ['t', m.deferred], ['b', m.bounced]]) {
      totals[kind] += n;
      if (n === 0) continue;
      const height = Math.max(1, (n / max) * h);
      y -= height;
      const rect = svg('rect', { x: (i * bar).toFixed(1), y: y.toFixed(1), width: Math.max(1, bar - 0.5).toFixed(1),
        height: height.toFixed(1), class: kind });
      rect.append(svg('title'));
      rect.firstChild.textContent = `${time(m.minute)}: ${m.delivered} delivered, ${m.deferred} deferred, ${m.bounced} bounced`;
      root.append(rect);
    }
  });
  const label = el('span', { class: 'totals' },
    el('span', { class: 'd', 'data-total': 'delivered' }, String(totals.d)), ' / ',
    el('span', { class: 't', 'data-total': 'deferred' }, String(totals.t)), ' / ',
    el('span', { class: 'b', 'data-total': 'bounced' }, String(totals.b)));
  return el('td', { class: 'chart' }, root, label);
}

function rowOf(row) {
  const tr = el('tr', { 'data-queue': `${row.vmta}/${row.policy}` },
    el('td', {}, el('strong', {}, row.policy), el('span', { class: 'time' }, `vmta ${row.vmta}`)),
    modeCell(row),
    el('td', { class: 'n', 'data-col': 'ready' }, count(row.ready)),
    el('td', { class: 'n', 'data-col': 'scheduled' }, count(row.scheduled)),
    el('td', { class: 'n', 'data-col': 'delivering' }, count(row.delivering)),
    chart(row.perMinute),
    el('td', { class: 'n', 'data-col': 'connections' }, String(row.openConnections)),
    el('td', { 'data-col': 'last-error' }, row.lastError
      ? [el('span', { class: 'time' }, time(row.lastError.time)), el('span', { class: 'error-text' }, row.lastError.reply)]
      : ''),
    el('td', { 'data-col': 'next-retry' }, time(row.nextRetry)),
    el('td', { class: 'n', 'data-col': 'oldest' }, age(row.oldestAgeSeconds)));
  if (selected && selected.vmta === row.vmta && selected.policy === row.policy) tr.classList.add('selected');
  tr.addEventListener('click', () => open({ vmta: row.vmta, policy: row.policy }));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const rows = await api('/queues');
    fill(document.querySelector('#queues tbody'), rows.map(rowOf));
    if (selected) await showDetail();
    status.textContent = `updated ${new Date().toISOString().substring(11, 19)} UTC`;
    status.classList.remove('error');
  } catch (e) {
    status.textContent = `not updated: ${e.message}`;
    status.classList.add('error');
  }
}

async function open(line) {
  selected = line;
  document.getElementById('detail').hidden = false;
  document.getElementById('action-result').textContent = '';
  document.querySelectorAll('#queues tbody tr').forEach(tr =>
    tr.classList.toggle('selected', tr.dataset.queue === `${line.vmta}/${line.policy}`));
  await showDetail(true);
}

async function showDetail(first = false) {
  const d = await api(path(selected));
  document.getElementById('detail-title').textContent = `${d.queue}`;
  document.getElementById('detail-mode').replaceChildren(
    el('span', { class: `mode ${d.mode}`, 'data-mode': d.mode }, d.mode),
    el('span', { class: 'result' }, ` ready ${count(d.ready)}, scheduled ${count(d.scheduled)},`
      + ` in delivery ${count(d.delivering)}`));
  fill(document.querySelector('#top-domains tbody'), d.topDomains.map(t => el('tr', {},
    el('td', {}, t.domain), el('td', { class: 'n' }, String(t.delivered)),
    el('td', { class: 'n' }, String(t.deferred)), el('td', { class: 'n' }, String(t.bounced)))));
  fill(document.querySelector('#top-replies tbody'), d.topReplies.map(t => el('tr', {},
    el('td', { class: 'error-text' }, t.reply), el('td', { class: 'n' }, String(t.count)))));
  fill(document.querySelector('#recent tbody'), d.recent.map(r => el('tr', {},
    el('td', {}, time(r.time)), el('td', {}, r.type), el('td', {}, r.recipient),
    el('td', { class: 'n' }, String(r.attempt)),
    el('td', { class: r.type === 'delivered' ? 'reply' : 'error-text' }, r.reply))));
  if (first) {
    const form = document.getElementById('limits-form');
    for (const [k, v] of Object.entries(d.limits)) form.elements[k].value = v;
  }
}

function report(text, error = false) {
  const result = document.getElementById('action-result');
  result.textContent = text;
  result.classList.toggle('error', error);
}

async function act(action, done) {
  try {
    const answer = await api(`${path(selected)}/${action}`, 'POST');
    report(done(answer));
  } catch (e) {
    report(e.message, true);
  }
  await refresh();
}

function confirmPurge(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

async function purge(event) {
  event.preventDefault();
  const form = event.target;
  const criteria = {};
  for (const name of ['job', 'domain', 'olderThan']) {
    const value = form.elements[name].value.trim();
    if (value) criteria[name] = value;
  }
  if (Object.keys(criteria).length === 0) {
    report('purge needs a job, a domain or an age', true);
    return;
  }
  const what = Object.entries(criteria).map(([k, v]) => `${k} ${v}`).join(', ');
  const ok = await confirmPurge(`Purge the mail of ${selected.vmta}/${selected.policy} with ${what}? `
    + 'It leaves the queue for good; each recipient is recorded as bounced ("purged by operator").');
  if (!ok) {
    report('purge cancelled');
    return;
  }
  const query = new URLSearchParams({ ...criteria, confirm: 'true' });
  await act(`purge?${query}`, a => `purged ${a.purged} messages (${a.recipients} recipients)`);
}

async function setLimits(event) {
  event.preventDefault();
  const body = {};
  for (const input of event.target.elements) {
    if (input.name && input.value.trim()) {
      body[input.name] = /^\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : input.value.trim();
    }
  }
  try {
    const limits = await api(`${path(selected)}/limits`, 'POST', body);
    report(`limits: ${Object.entries(limits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } catch (e) {
    report(e.message, true);
  }
}

document.getElementById('pause').addEventListener('click', () => act('pause', () => 'paused'));
document.getElementById('resume').addEventListener('click', () => act('resume', () => 'resumed'));
document.getElementById('retry').addEventListener('click', () => act('retry', a => `${a.retried} retries due now`));
document.getElementById('backoff').addEventListener('click', () => act('backoff', () => 'in backoff'));
document.getElementById('normal').addEventListener('click', () => act('normal', () => 'back to normal'));
document.getElementById('purge-form').addEventListener('submit', purge);
document.getElementById('limits-form').addEventListener('submit', setLimits);
document.getElementById('close').addEventListener('click', () => {
  selected = null;
  document.getElementById('detail').hidden = true;
  document.querySelectorAll('#queues tbody tr.selected').forEach(tr => tr.classList.remove('selected'));
});

// ---- the suppression list (../api/suppression) ----

function suppressionReport(text, error = false) {
  const out = document.getElementById('suppression-result');
  out.textContent = text;
  out.classList.toggle('error', error);
}

async function listSuppressed() {
  const prefix = document.getElementById('suppression-address').value.trim();
  const answer = await api(`/suppression?limit=100&prefix=${encodeURIComponent(prefix)}`);
  document.getElementById('suppression-size').textContent = `${answer.size} entries`;
  fill(document.querySelector('#suppressed tbody'), answer.entries.map(e => {
    const remove = el('button', { type: 'button', class: 'link', 'data-remove': e.address }, 'remove');
    remove.addEventListener('click', () => changeSuppression('remove', e.address, e.scope));
    return el('tr', { 'data-address': e.address }, el('td', {}, e.address), el('td', {}, e.scope),
      el('td', {}, time(new Date(e.addedAt).toISOString())), el('td', {}, remove));
  }));
}

async function changeSuppression(verb, address, scope) {
  try {
    const answer = await api(`/suppression/${verb}?address=${encodeURIComponent(address)}&scope=${encodeURIComponent(scope)}`, 'POST');
    const done = verb === 'add' ? answer.added : answer.removed;
    suppressionReport(`${address}: ${done ? verb === 'add' ? 'added' : 'removed' : verb === 'add' ? 'already listed' : 'not listed'}`);
    document.getElementById('suppression-address').value = '';
    await listSuppressed();
  } catch (e) {
    suppressionReport(e.message, true);
  }
}

document.getElementById('suppression-form').addEventListener('submit', event => {
  event.preventDefault();
  const address = document.getElementById('suppression-address').value.trim();
  if (address) changeSuppression('add', address, document.getElementById('suppression-scope').value.trim() || '*');
});
document.getElementById('suppression-search').addEventListener('click',
  () => listSuppressed().catch(e => suppressionReport(e.message, true)));

refresh();
setInterval(refresh, REFRESH_MS);
listSuppressed().catch(e => suppressionReport(e.message, true));
