// Deployments: the list (status, elapsed, cost so far, failure reason) and one deployment's page.
import {api} from './api.js';
import {h, page, usd, when, duration, statusBadge, problemBox, LIVE} from './ui.js';
import {LineChart} from './chart.js';
import {follow} from './stream.js';

/** What to do about each failure reason. */
const HINTS = {
  FAILED_PRECHECKS: 'A check before start failed: fix the field it names and start again.',
  FAILED_NO_CAPACITY: 'No candidate GPU had capacity: add GPU types, switch cloud, or allow waiting for capacity.',
  FAILED_PROVIDER: 'RunPod refused or failed the pod: check your RunPod key and balance, then retry.',
  FAILED_DATASET: 'The pod could not read the dataset: re-upload it and check its validation report.',
  FAILED_TRAINING: 'The trainer stopped with an error: read the log tail below (out of memory: smaller batch, shorter '
    + 'sequences or QLoRA), then retry.',
  FAILED_HEARTBEAT_LOST: 'The pod stopped reporting (lost or crashed); it was terminated. Retry; if it repeats, pick another GPU type.',
  FAILED_MAX_RUNTIME: 'It ran past its runtime limit: raise limits.maxRuntimeMinutes or train fewer steps.',
  FAILED_BUDGET: 'It reached its budget: raise limits.maxCostUsd or train fewer steps.',
  FAILED_IDLE: 'The training reported no new step for too long: check the log for a hang, or raise limits.idleMinutes.',
  FAILED_GPU_IDLE: 'Every GPU stayed under the utilisation threshold for the idle minutes: check the data loader and '
    + 'batch size, or raise limits.idleMinutes.',
  CANCELLED_BY_USER: 'You cancelled it; retry to run it again.',
};

const elapsed = d => ((d.endedAt ? Date.parse(d.endedAt) : Date.now()) - Date.parse(d.createdAt)) / 1000;
const costSoFar = d => d.costUsd ?? (d.costPerHour && d.billedSeconds ? d.costPerHour * d.billedSeconds / 3600 : null);

export async function deploymentsPage() {
  const body = h('tbody');
  const main = page('Deployments', h('p', {}, h('a', {href: '#/deployments/new'}, 'New deployment')),
    h('div', {class: 'table-wrap'}, h('table', {id: 'deployments'}, h('thead', {}, h('tr', {},
      ['Deployment', 'Status', 'Elapsed', 'Cost so far', 'Failure reason'].map(t => h('th', {scope: 'col'}, t)))), body)));
  const refresh = async () => {
    const all = await api('/deployments');
    body.replaceChildren(...all.map(d => h('tr', {'data-id': d.id},
      h('td', {}, h('a', {href: '#/deployments/' + d.id}, d.baseModel + ' · ' + d.method + ' · ' + d.id.slice(0, 8))),
      h('td', {}, statusBadge(d.status)), h('td', {class: 'num'}, duration(elapsed(d))),
      h('td', {class: 'num'}, usd(costSoFar(d))), h('td', {}, d.reason ? d.reason + (d.message ? ': ' + d.message : '') : ''))));
    if (!all.length) body.replaceChildren(h('tr', {}, h('td', {colspan: 5}, 'No deployments yet.')));
  };
  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 5000);
  return Object.assign(main, {leave: () => clearInterval(timer)});
}

function costBreakdown(d) {
  const rows = [['GPU', `${d.gpuCount ?? 1} × ${d.gpuType ?? '–'} (${d.cloud ?? '–'})`],
    ['Price', d.costPerHour ? usd(d.costPerHour) + '/h' : '–'], ['Billed', duration(d.billedSeconds)],
    ['Cost', usd(costSoFar(d))],
    ['Estimated', d.estimate ? `${usd(d.estimate.costUsd?.low)}–${usd(d.estimate.costUsd?.high)}, `
      + `${d.estimate.runtimeMinutes?.low}–${d.estimate.runtimeMinutes?.high} min` : '–']];
  return h('table', {id: 'cost-breakdown'}, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', {scope: 'row'}, k), h('td', {}, v)))));
}

/** The pods a recovered deployment ran on: GPU, price, cost, and the steps each gained beyond its checkpoint. */
function attemptsTable(d) {
  if (!d.attempts?.length) return [];
  const cell = v => h('td', {}, v ?? '–');
  return [h('h3', {}, 'Pods'), h('div', {class: 'table-wrap'}, h('table', {id: 'attempts'},
    h('thead', {}, h('tr', {}, ['#', 'Pod', 'GPU', 'Price', 'Cost', 'Resumed from', 'Steps gained', 'Ended']
      .map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, d.attempts.map(a => h('tr', {'data-attempt': a.attempt}, cell(String(a.attempt)), cell(a.podId),
      cell(`${a.gpuCount ?? 1} × ${a.gpuType ?? '–'} (${a.cloud ?? '–'})`),
      cell(a.costPerHour ? usd(a.costPerHour) + '/h' : null), cell(usd(a.costUsd)),
      cell(a.resumedFromStep ? `step ${a.resumedFromStep}` : 'start'),
      h('td', {class: 'num', 'data-steps-gained': a.stepsGained ?? ''}, a.stepsGained ?? '–'), cell(a.endReason))))))];
}

async function download(a) {
  const r = await api('/artifacts/' + a.id + '/content', {raw: true});
  const url = URL.createObjectURL(await r.blob());
  const link = h('a', {href: url, download: a.name});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function deploymentPage(id) {
  let d = await api('/deployments/' + id);
  const header = h('div', {id: 'summary', 'aria-live': 'polite'});
  const timeline = h('ol', {class: 'timeline', id: 'timeline'});
  const progressBar = h('progress', {id: 'progress', max: 1, value: 0, 'aria-label': 'Training progress'});
  const progressText = h('p', {id: 'progress-text', 'aria-live': 'polite'}, 'Waiting for the pod…');
  const charts = {loss: new LineChart('Loss', 'chart-loss'), learningRate: new LineChart('Learning rate', 'chart-lr'),
    gradNorm: new LineChart('Grad norm', 'chart-grad-norm'), evalLoss: new LineChart('Eval loss', 'chart-eval-loss')};
  Object.entries(charts).forEach(([k, c]) => { if (k !== 'loss') c.figure.hidden = true; });
  const log = h('pre', {class: 'log', id: 'log', tabindex: 0, 'aria-label': 'Log tail'});
  const failure = h('div', {id: 'failure'});
  const actions = h('div', {class: 'actions'});
  const artifacts = h('ul', {id: 'artifacts'});
  const costs = h('div');
  const message = h('div', {'aria-live': 'assertive'});
  const logLines = [];
  const addLog = line => {
    logLines.push(line);
    if (logLines.length > 300) logLines.shift();
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = logLines.join('\n');
    if (atEnd) log.scrollTop = log.scrollHeight;
  };
  let progress = {};
  const showProgress = () => {
    const p = progress;
    if (p.step === undefined || p.step === null) return;
    progressBar.max = p.totalSteps || Math.max(p.step, 1);
    progressBar.value = p.step;
    progressText.textContent = `Step ${p.step}` + (p.totalSteps ? ` of ${p.totalSteps}` : '')
      + (p.loss !== null && p.loss !== undefined ? `, loss ${Number(p.loss).toFixed(4)}` : '')
      + (p.etaSeconds !== null && p.etaSeconds !== undefined && LIVE.includes(d.status) ? `, ETA ${duration(p.etaSeconds)}` : '')
      + (p.phase ? ` (${p.phase})` : '');
    showCheckpoint();
  };
  // The newest checkpoint stored off the pod: its step and age (a lost pod's replacement resumes from it).
  const checkpointText = h('p', {id: 'checkpoint-text', 'aria-live': 'polite'});
  const showCheckpoint = () => {
    const step = progress.lastCheckpointStep ?? d.lastCheckpoint?.step;
    const at = progress.lastCheckpointAt ?? d.lastCheckpoint?.storedAt;
    checkpointText.textContent = step === undefined || step === null ? ''
      : `Last checkpoint: step ${step}, stored ${duration(Math.max(0, (Date.now() - Date.parse(at)) / 1000))} ago`;
  };
  let shown = '';
  const render = async () => {
    const key = JSON.stringify(d);
    if (key === shown) return;
    shown = key;
    header.replaceChildren(h('p', {}, statusBadge(d.status), ` ${d.baseModel} · ${d.method} · created ${when(d.createdAt)}`
      + ` · elapsed ${duration(elapsed(d))}` + (d.retryOf ? ' · retry of ' : ''),
    d.retryOf ? h('a', {href: '#/deployments/' + d.retryOf}, d.retryOf.slice(0, 8)) : ''));
    const events = await api(`/deployments/${id}/events`).catch(() => []);
    timeline.replaceChildren(...events.map(e => h('li', {}, h('strong', {}, e.status), ' ' + when(e.at)
      + (e.reason ? ' — ' + e.reason : '') + (e.message ? ': ' + e.message : ''))));
    failure.replaceChildren();
    if (d.status === 'FAILED' || d.status === 'CANCELLED') {
      failure.append(h('section', {class: 'alert', role: 'alert', id: 'failure-reason'},
        h('h2', {}, d.status === 'FAILED' ? 'Why it failed' : 'Cancelled'),
        h('p', {}, h('strong', {}, d.reason || d.status), d.message ? ': ' + d.message : '',
          d.exitCode !== null && d.exitCode !== undefined ? ` (exit code ${d.exitCode})` : ''),
        HINTS[d.reason] ? h('p', {class: 'hint-text'}, HINTS[d.reason]) : null,
        d.logTail ? h('pre', {class: 'log', id: 'failure-log', tabindex: 0, 'aria-label': 'Log tail at failure'}, d.logTail) : null));
    }
    actions.replaceChildren(...[
      LIVE.includes(d.status) ? h('button', {type: 'button', class: 'danger', id: 'cancel', onclick: cancel}, 'Cancel') : null,
      ['FAILED', 'CANCELLED'].includes(d.status) ? h('button', {type: 'button', id: 'retry', onclick: retry}, 'Retry') : null,
    ].filter(Boolean));
    costs.replaceChildren(costBreakdown(d), ...attemptsTable(d));
    showCheckpoint();
    const list = await api('/artifacts?deploymentId=' + id).catch(() => []);
    artifacts.replaceChildren(...(list.length ? list.map(a => h('li', {}, h('button', {type: 'button', class: 'link',
      'data-artifact': a.name, onclick: () => download(a).catch(e => message.replaceChildren(problemBox(e)))},
    `Download ${a.name}`), ` (${a.bytes} bytes, sha256 ${a.sha256.slice(0, 12)}…)`))
      : [h('li', {}, LIVE.includes(d.status) ? 'Artifacts appear when training ends.' : 'No artifacts.')]));
  };
  async function cancel() {
    if (!confirm('Cancel this deployment? Its pod is terminated.')) return;
    try {
      d = await api(`/deployments/${id}/cancel`, {method: 'POST'});
      await render();
    } catch (e) { message.replaceChildren(problemBox(e)); }
  }
  async function retry() {
    try {
      const next = await api(`/deployments/${id}/retry`, {method: 'POST', headers: {'Idempotency-Key': crypto.randomUUID()}});
      location.hash = '#/deployments/' + next.id;
    } catch (e) { message.replaceChildren(problemBox(e)); }
  }
  const main = page('Deployment ' + id.slice(0, 8), header, message, actions, failure,
    h('section', {}, h('h2', {}, 'Progress'), progressBar, progressText, checkpointText,
      ...Object.values(charts).map(c => c.figure)),
    h('section', {}, h('h2', {}, 'Phases'), timeline),
    h('section', {}, h('h2', {}, 'Log'), log),
    h('section', {}, h('h2', {}, 'Artifacts'), artifacts),
    h('section', {}, h('h2', {}, 'Cost'), costs));
  await render();
  api(`/jobs/${id}/progress`).then(p => { progress = p; showProgress(); }).catch(() => {});
  const stream = follow(id, (type, data) => {
    if (type === 'metric') {
      for (const [k, c] of Object.entries(charts)) {
        const v = data[k] ?? data[k === 'evalLoss' ? 'eval_loss' : k];
        if (v !== undefined && v !== null) { c.figure.hidden = false; c.add(data.step, Number(v)); }
      }
      progress = {...progress, step: data.step, loss: data.loss ?? progress.loss};
      showProgress();
    } else if (type === 'log') {
      addLog(data.line);
    } else if (type === 'checkpoint') {
      progress = {...progress, lastCheckpointStep: data.step, lastCheckpointAt: data.storedAt};
      showCheckpoint();
    } else if (type === 'phase') {
      progress.phase = data.phase || progress.phase;
      showProgress();
    }
  });
  const poll = setInterval(async () => {
    try {
      d = await api('/deployments/' + id);
      progress = {...progress, ...(await api(`/jobs/${id}/progress`).catch(() => ({})))};
      showProgress();
      await render();
      if (!LIVE.includes(d.status) && (!d.podId || d.podTerminatedAt)) clearInterval(poll);
    } catch { /* the next tick tries again */ }
  }, 2000);
  return Object.assign(main, {leave: () => { stream.stop(); clearInterval(poll); }});
}
