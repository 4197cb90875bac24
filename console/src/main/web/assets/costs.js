// Costs: this month's spend per deployment and per GPU type, failed against successful.
import {api} from './api.js';
import {h, page, usd, when} from './ui.js';

const cost = d => Number(d.costUsd ?? (d.costPerHour && d.billedSeconds ? d.costPerHour * d.billedSeconds / 3600 : 0));

function table(id, head, rows) {
  return h('div', {class: 'table-wrap'}, h('table', {id}, h('thead', {}, h('tr', {}, head.map((t, i) =>
    h('th', {scope: 'col', class: i ? 'num' : ''}, t)))), h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) =>
    h(i ? 'td' : 'th', i ? {class: 'num'} : {scope: 'row'}, c)))))));
}

export async function costsPage() {
  const now = new Date();
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  const month = (await api('/deployments')).filter(d => new Date(d.createdAt) >= monthStart);
  const total = month.reduce((s, d) => s + cost(d), 0);
  const byGpu = new Map();
  const byOutcome = {SUCCEEDED: [0, 0], FAILED: [0, 0], CANCELLED: [0, 0], 'still running': [0, 0]};
  for (const d of month) {
    const g = d.gpuType || 'no GPU yet';
    const row = byGpu.get(g) || {n: 0, usd: 0, failed: 0};
    row.n++;
    row.usd += cost(d);
    if (d.status === 'FAILED') row.failed += cost(d);
    byGpu.set(g, row);
    const o = byOutcome[d.status] || byOutcome['still running'];
    o[0]++;
    o[1] += cost(d);
  }
  return page('Costs this month',
    h('p', {class: 'estimate', id: 'month-total'}, `Month to date (since ${monthStart.toLocaleDateString()}): ${usd(total)}`
      + ` over ${month.length} deployment${month.length === 1 ? '' : 's'}.`),
    h('h2', {}, 'Failed against successful'),
    table('costs-outcome', ['Outcome', 'Deployments', 'Cost'], Object.entries(byOutcome).map(([k, [n, c]]) => [k, n, usd(c)])),
    h('h2', {}, 'Per GPU type'),
    table('costs-gpu', ['GPU type', 'Deployments', 'Cost', 'of which failed'],
      [...byGpu].map(([g, r]) => [g, r.n, usd(r.usd), usd(r.failed)])),
    h('h2', {}, 'Per deployment'),
    table('costs-deployment', ['Deployment', 'Status', 'Created', 'Cost'], month.map(d => [
      h('a', {href: '#/deployments/' + d.id}, d.baseModel + ' · ' + d.id.slice(0, 8)), d.status, when(d.createdAt), usd(cost(d))])));
}
