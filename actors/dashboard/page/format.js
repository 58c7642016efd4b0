// Building blocks of the dashboard page. Bead contents are only ever set as
// text (textContent, text nodes), never parsed as HTML.

/** Server time minus browser time: ages follow the host's clock, not the browser's. */
let clockOffsetMs = 0;

export function setServerTime(iso) {
  clockOffsetMs = Date.parse(iso) - Date.now();
}

export function serverNow() {
  return Date.now() + clockOffsetMs;
}

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat(Number.POSITIVE_INFINITY));
}

export const empty = (text) => h('p', { class: 'empty' }, text);
export const tag = (value) => h('span', { class: `tag ${value}` }, value);

export function hhmmss(ts) {
  return ts ? `${ts.slice(11, 19)}Z` : '';
}

export function ago(ts) {
  if (!ts) return '';
  const s = Math.max(0, Math.round((serverNow() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** "4 min 05 s" for a countdown. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** An amount with its sign colour and its currency: never a bare number beside money of another currency. */
export function money(value, currency) {
  if (value === undefined || value === null) return h('span', { class: 'muted' }, '—');
  const text = `${value > 0 ? '+' : ''}${value.toFixed(2)}${currency ? ` ${currency}` : ''}`;
  return h('span', { class: value > 0 ? 'pos' : value < 0 ? 'neg' : '' }, text);
}

/** An amount in its quote currency, then in the account's when it was converted. */
export function moneyBoth(value, currency, converted) {
  if (value === undefined || value === null) return money(value);
  if (!converted || converted.currency === currency) return money(value, currency);
  return h('span', {}, money(value, currency), h('br'), h('span', { class: 'small muted', title: `at ${converted.pair} ${converted.rate}` }, '≈ ', money(converted.amount, converted.currency)));
}

/** A money total: one amount per currency, then the account's total at current rates, never one sum of two currencies. */
export function moneyTotal(total) {
  const a = total.account;
  // The account's currency first, then the others alphabetically, as the terminal orders them.
  const order = ([x], [y]) => (x === a?.currency ? -1 : y === a?.currency ? 1 : x.localeCompare(y));
  const parts = Object.entries(total.by_currency).sort(order).map(([ccy, n]) => money(n, ccy));
  const out = parts.length ? parts.flatMap((p, i) => (i ? [', ', p] : [p])) : [a ? money(0, a.currency) : '0.00'];
  if (a && !(parts.length === 1 && total.by_currency[a.currency] !== undefined) && parts.length) {
    const rates = a.rates.length ? ` (${a.rates.join(', ')})` : '';
    const missing = a.missing.length ? `; ${a.missing.join(', ')} left out: no rate yet` : '';
    out.push(h('span', { class: 'muted', title: `converted at current rates${rates}` }, ' = ', money(a.amount, a.currency), ` at current rates${missing}`));
  }
  return out;
}

export function num(value) {
  return value === undefined || value === null ? '—' : String(value);
}

export function table(headers, rows, numeric = [], attrs = {}) {
  return h(
    'table',
    attrs,
    h('thead', {}, h('tr', {}, headers.map((name, i) => h('th', { class: numeric.includes(i) ? 'num' : '' }, name)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { class: numeric.includes(i) ? 'num' : '' }, cell))))),
  );
}

export function pairs(entries) {
  return h(
    'dl',
    { class: 'kv' },
    entries.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([key, value]) => [h('dt', {}, key), h('dd', {}, value)]),
  );
}
