// New deployment: model, method, GPU candidates from the catalog, limits, hyperparameters with their defaults, a
// live estimate, and pre-flight errors shown at their fields before anything is billed.
import {api} from './api.js';
import {config} from './auth.js';
import {h, page, usd, problemBox, showFieldErrors, clearFieldError} from './ui.js';

const MODELS = ['Qwen/Qwen2.5-0.5B', 'Qwen/Qwen2.5-1.5B', 'meta-llama/Llama-3.2-1B', 'mistralai/Mistral-7B-v0.3'];

function field(name, label, control, hint) {
  const id = 'f-' + name.replace(/\W/g, '-');
  control.id = id;
  control.name = name;
  if (hint) control.setAttribute('aria-describedby', id + '-hint');
  return h('div', {}, h('label', {for: id}, label), hint ? h('p', {class: 'hint', id: id + '-hint'}, hint) : null, control);
}

const num = (attrs = {}) => h('input', {type: 'number', inputmode: 'decimal', step: 'any', ...attrs});

function hyperparameterFields(rules, method) {
  return Object.entries(rules.hyperparameters).filter(([, r]) => !r.methods || r.methods.includes(method))
    .map(([name, r]) => {
      const def = r.default ?? (r.defaultByAdapter ? Object.entries(r.defaultByAdapter).map(([a, v]) => a + ' ' + v).join(', ') : null);
      let control;
      if (r.allowed) {
        control = h('select', {}, h('option', {value: ''}, 'default' + (def !== null ? ' (' + def + ')' : '')),
          r.allowed.map(v => h('option', {value: v}, v)));
      } else if (r.type === 'boolean') {
        control = h('select', {}, h('option', {value: ''}, 'default (' + def + ')'), h('option', {value: 'true'}, 'true'),
          h('option', {value: 'false'}, 'false'));
      } else if (r.type === 'integer' || r.type === 'number') {
        control = num({placeholder: def ?? '', min: r.min, max: r.max, step: r.type === 'integer' ? 1 : 'any'});
      } else {
        control = h('input', {type: 'text', placeholder: def ?? ''});
      }
      control.dataset.kind = r.type;
      return field('hyperparameters.' + name, name, control, r.description + (def !== null ? ' Default: ' + def + '.' : ''));
    });
}

/** The request body from the form's named controls; empty fields are left out (the server's defaults apply). */
function body(form) {
  const out = {gpu: {types: [...form.querySelectorAll('input[name="gpu.types"]:checked')].map(c => c.value)}};
  for (const el of form.querySelectorAll('input[name]:not([type=checkbox]), select[name]')) {
    if (el.value === '' || el.name === 'gpu.types') continue;
    const path = el.name.split('.');
    let v = el.value;
    if (el.type === 'number') v = Number(v);
    else if (el.dataset.kind === 'boolean') v = v === 'true';
    else if (el.dataset.kind === 'modules' && v.includes(',')) v = v.split(',').map(s => s.trim());
    let o = out;
    for (const p of path.slice(0, -1)) o = o[p] ??= {};
    o[path.at(-1)] = v;
  }
  return out;
}

export async function newDeploymentPage(params) {
  const cfg = await config();
  const [datasets, rules, gpus] = await Promise.all([api('/datasets'),
    fetch('assets/hyperparameters.json').then(r => r.json()),
    api('/gpu-types').catch(e => e)]);
  const usable = datasets.filter(d => d.errorCount === 0);
  if (!usable.length) {
    return page('New deployment', h('p', {}, 'Upload a dataset first: ', h('a', {href: '#/onboarding'}, 'set up'), '.'));
  }
  const chosen = params.get('dataset') || usable[0].id;
  const datasetSel = h('select', {}, usable.map(d => h('option', {value: d.id, selected: d.id === chosen},
    `${d.name} (${d.format}, ${d.rows} rows; fits ${(d.fitsMethods || []).join(', ')})`)));
  const fits = () => usable.find(d => d.id === datasetSel.value)?.fitsMethods || ['SFT'];
  const methodSel = h('select', {}, ['SFT', 'DPO'].map(m => h('option', {value: m, selected: m === fits()[0]}, m)));
  const cloudSel = h('select', {}, h('option', {value: 'SECURE'}, 'Secure cloud'), h('option', {value: 'COMMUNITY'}, 'Community cloud'));
  const gpuSet = h('fieldset', {'data-field': 'gpu.types', id: 'gpu-types'}, h('legend', {}, 'GPU candidates (in order of preference)'));
  const renderGpus = () => {
    gpuSet.replaceChildren(gpuSet.firstChild);
    if (gpus instanceof Error) { gpuSet.append(problemBox(gpus)); return; }
    const cloud = cloudSel.value.toLowerCase();
    const offered = gpus.filter(g => g[cloud] !== false).sort((a, b) => (a.price?.[cloud] ?? 1e9) - (b.price?.[cloud] ?? 1e9));
    const firstAvailable = offered.find(g => g.availability !== 'NONE');
    offered.forEach((g, i) => gpuSet.append(h('label', {class: 'check'},
      h('input', {type: 'checkbox', name: 'gpu.types', value: g.id, checked: g === firstAvailable, id: 'gpu-' + i}),
      `${g.name || g.id} · ${g.memory ?? '?'} GB · ${usd(g.price?.[cloud])}/h · availability ${g.availability ?? 'unknown'}`)));
  };
  cloudSel.addEventListener('change', renderGpus);
  renderGpus();
  const hpBox = h('fieldset', {}, h('legend', {}, 'Hyperparameters (empty: the default)'));
  const renderHp = () => hpBox.replaceChildren(hpBox.firstChild, h('div', {class: 'grid'}, hyperparameterFields(rules, methodSel.value)));
  methodSel.addEventListener('change', renderHp);
  renderHp();
  const estimate = h('p', {class: 'estimate', id: 'estimate', 'aria-live': 'polite'}, 'Estimating…');
  const result = h('div', {'aria-live': 'assertive'});
  const form = h('form', {id: 'new-deployment', novalidate: true},
    field('datasetId', 'Dataset', datasetSel),
    field('baseModel', 'Base model', h('input', {type: 'text', value: MODELS[0], list: 'models', required: true}),
      'A Hugging Face model id.'), h('datalist', {id: 'models'}, MODELS.map(m => h('option', {value: m}))),
    field('method', 'Method', methodSel, 'SFT for instruction/chat data, DPO for preference pairs.'),
    field('gpu.cloud', 'Cloud', cloudSel), gpuSet,
    field('gpu.count', 'GPUs', num({value: 1, min: 1, max: 16, step: 1})),
    h('fieldset', {}, h('legend', {}, 'Limits'), h('div', {class: 'grid'},
      field('limits.maxCostUsd', 'Budget (USD)', num({value: 5, min: 0})),
      field('limits.maxRuntimeMinutes', 'Max runtime (minutes)', num({value: 60, min: 1, step: 1})),
      field('limits.idleMinutes', 'Stop when GPUs idle (minutes)', num({min: 1, step: 1})),
      field('limits.capacityWaitMinutes', 'Wait for capacity (minutes)', num({min: 0, step: 1})))),
    hpBox,
    cfg.localStack ? h('fieldset', {}, h('legend', {}, 'Simulation (local stack: the simulated trainer)'), h('div', {class: 'grid'},
      field('simulation.steps', 'Steps', num({value: 30, min: 1, step: 1})),
      field('simulation.stepSeconds', 'Seconds per step', num({value: 0.2, min: 0})),
      field('simulation.failAtStep', 'Fail at step', num({min: 1, step: 1})),
      field('simulation.exitCode', 'Exit code when failing', num({step: 1})))) : null,
    h('div', {class: 'panel'}, h('h2', {}, 'Estimate'), estimate),
    h('div', {class: 'actions'}, h('button', {type: 'submit', id: 'start'}, 'Start deployment')), result);
  let timer;
  let seq = 0;
  const refreshEstimate = async () => {
    const mine = ++seq;
    try {
      const e = await api('/estimates', {method: 'POST', body: body(form)});
      if (mine !== seq) return;
      estimate.textContent = `${e.runtimeMinutes.low}–${e.runtimeMinutes.high} min, ${usd(e.costUsd.low)}–${usd(e.costUsd.high)}`
        + ` on ${e.gpuType} at ${usd(e.pricePerHour)}/h` + (e.memoryNeededGb ? `, needs about ${e.memoryNeededGb} GB` : '') + '.'
        + (e.communityCloud ? ` COMMUNITY cloud: ${usd(e.communityCloud.pricePerHour)}/h, saves`
          + ` ${usd(e.communityCloud.savingUsd.low)}–${usd(e.communityCloud.savingUsd.high)}`
          + ` (${e.communityCloud.savingPercent} %). ${e.communityCloud.note}` : '');
    } catch (err) {
      if (mine !== seq) return;
      estimate.textContent = 'No estimate: ' + (err.problem?.detail || err.message);
    }
  };
  form.addEventListener('input', ev => {
    clearFieldError(ev.target);
    clearTimeout(timer); timer = setTimeout(refreshEstimate, 400);
  });
  form.addEventListener('change', () => { clearTimeout(timer); timer = setTimeout(refreshEstimate, 100); });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    result.replaceChildren();
    const button = form.querySelector('#start');
    button.disabled = true;
    try {
      const d = await api('/deployments', {method: 'POST', body: body(form),
        headers: {'Idempotency-Key': crypto.randomUUID()}});
      location.hash = '#/deployments/' + d.id;
    } catch (err) {
      const unplaced = err.problem?.errors ? showFieldErrors(form, err.problem) : [];
      result.replaceChildren(problemBox(unplaced.length || !err.problem?.errors ? err
        : {problem: {title: err.problem.title, detail: 'Nothing was started. Fix the fields marked below their labels.'}}));
    } finally {
      button.disabled = false;
    }
  });
  const main = page('New deployment', form);
  refreshEstimate();
  return main;
}
