// Datasets: upload (resumable), the validation report, the methods each fits, delete (409 explained).
import {api} from './api.js';
import {h, page, bytes, when, problemBox} from './ui.js';
import {uploadForm} from './upload.js';

/** A dataset's validation report: format, rows, tokens, fitting methods, and the first errors by line. */
export function report(d) {
  const bad = d.errorCount > 0;
  return h('section', {class: bad ? 'alert' : 'ok', id: 'validation-report', 'aria-label': 'Validation report'},
    h('h2', {}, 'Validation report: ' + d.name),
    h('p', {}, `${d.format}, ${d.rows} rows, about ${d.estimatedTokens} tokens, ${bytes(d.bytes)}. `,
      d.fitsMethods?.length ? 'Fits ' + d.fitsMethods.join(' and ') + '.' : 'Fits no training method.'),
    bad ? h('p', {}, `${d.errorCount} line${d.errorCount === 1 ? '' : 's'} with errors; the first:`) : h('p', {}, 'No errors.'),
    bad ? h('ul', {class: 'errors'}, d.errors.slice(0, 10).map(e => h('li', {}, `line ${e.line}: ${e.message}`))) : null,
    !bad ? h('p', {}, h('a', {href: '#/deployments/new?dataset=' + d.id, id: 'use-dataset'}, 'Train on this dataset')) : null);
}

export async function datasetsPage() {
  const list = h('div', {class: 'table-wrap'});
  const status = h('div', {'aria-live': 'polite'});
  const main = page('Datasets', uploadForm(h, d => { status.replaceChildren(report(d)); refresh(); }), status,
    h('h2', {}, 'Your datasets'), list);
  async function refresh() {
    const all = await api('/datasets');
    if (!all.length) { list.replaceChildren(h('p', {}, 'No datasets yet.')); return; }
    list.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Format', 'Rows', 'Errors', 'Fits',
      'Uploaded', ''].map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, all.map(d => h('tr', {'data-id': d.id},
      h('td', {}, h('button', {type: 'button', class: 'link', onclick: () => status.replaceChildren(report(d))}, d.name)),
      h('td', {}, d.format), h('td', {class: 'num'}, d.rows), h('td', {class: 'num'}, d.errorCount),
      h('td', {}, (d.fitsMethods || []).join(', ') || '–'), h('td', {}, when(d.createdAt)),
      h('td', {}, h('button', {type: 'button', class: 'secondary', 'aria-label': 'Delete ' + d.name,
        onclick: () => remove(d)}, 'Delete')))))));
  }
  async function remove(d) {
    if (!confirm('Delete ' + d.name + '?')) return;
    try {
      await api('/datasets/' + d.id, {method: 'DELETE'});
      status.replaceChildren(h('p', {class: 'ok'}, d.name + ' deleted.'));
    } catch (e) {
      const box = problemBox(e);
      if (e.status === 409) box.append(h('p', {}, 'A deployment that is not finished uses this dataset; it can be '
        + 'deleted once that deployment has ended (or after you cancel it).'));
      status.replaceChildren(box);
    }
    refresh();
  }
  await refresh();
  return main;
}
