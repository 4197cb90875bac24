// Small DOM helpers, formatters and the way problems are shown: at their fields, or in an alert.

/** Creates an element: h('p', {class: 'x'}, 'text', child). Attributes starting with "on" become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function page(title, ...children) {
  document.title = title + ' · Trainpod';
  const main = document.getElementById('main');
  main.replaceChildren(h('h1', {}, title), ...children);
  return main;
}

export const usd = v => v === null || v === undefined ? '–' : '$' + Number(v).toFixed(Number(v) < 1 ? 4 : 2);
export const when = t => t ? new Date(t).toLocaleString() : '–';

export function duration(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor(s % 3600 / 60), ss = s % 60;
  return (hh ? hh + ' h ' : '') + (hh || mm ? mm + ' min ' : '') + ss + ' s';
}

export function bytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

export const LIVE = ['PENDING', 'PROVISIONING', 'STARTING', 'RUNNING'];
export const statusBadge = s => h('span', {class: 'status s-' + s}, s);

/** An alert with the problem's title, detail and each field error's message and hint. */
export function problemBox(err) {
  const p = err.problem || {detail: err.message};
  return h('div', {class: 'alert', role: 'alert'},
    h('strong', {}, p.title || 'Something went wrong'), p.detail ? h('p', {}, p.detail) : null,
    (p.errors || []).length ? h('ul', {}, p.errors.map(e => h('li', {}, (e.field ? e.field + ': ' : '') + e.message
      + (e.hint ? ' — ' + e.hint : '')))) : null);
}

/** The field of a form a problem's error names (gpu.types[1] is gpu.types). */
function fieldFor(form, name) {
  const base = (name || '').replace(/\[\d+\]$/, '');
  return form.querySelector(`[data-field="${CSS.escape(base)}"]`) || form.querySelector(`[name="${CSS.escape(base)}"]`);
}

/** Removes the error shown for one control, once the person changes it. */
export function clearFieldError(control) {
  if (!control?.hasAttribute?.('aria-invalid')) return;
  control.removeAttribute('aria-invalid');
  const [id] = control.getAttribute('aria-describedby').split(' ');
  document.getElementById(id)?.remove();
  if (control.dataset.hintIds) control.setAttribute('aria-describedby', control.dataset.hintIds);
  else control.removeAttribute('aria-describedby');
}

export function clearFieldErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach(clearFieldError);
  form.querySelectorAll('.field-error').forEach(e => e.remove());
}

/** Shows each field error next to its field; returns the errors no field of the form matched. */
export function showFieldErrors(form, problem) {
  clearFieldErrors(form);
  const unplaced = [];
  let first = null;
  for (const [i, e] of (problem.errors || []).entries()) {
    const field = fieldFor(form, e.field);
    if (!field) { unplaced.push(e); continue; }
    const id = 'err-' + i + '-' + (e.field || '').replace(/[^A-Za-z0-9]/g, '-');
    const msg = h('p', {class: 'field-error', id, 'data-code': e.code || ''}, e.message + (e.hint ? ' ' + e.hint : ''));
    const control = field.matches('input,select,textarea') ? field : field.querySelector('input,select,textarea');
    if (field.matches('fieldset')) field.append(msg); else field.after(msg);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.dataset.hintIds ??= control.getAttribute('aria-describedby') || '';
      control.setAttribute('aria-describedby', (id + ' ' + control.dataset.hintIds).trim());
      first ??= control;
    }
  }
  first?.focus();
  return unplaced;
}
