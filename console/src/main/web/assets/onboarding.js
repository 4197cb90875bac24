// Onboarding: RunPod key (checked by RunPod), optional Hugging Face token, a first dataset, its report, then a
// prefilled new deployment.
import {api} from './api.js';
import {config} from './auth.js';
import {h, page, problemBox} from './ui.js';
import {uploadForm} from './upload.js';
import {report} from './datasets.js';

function secretForm({id, label, hint, path, field, optional, saved}) {
  const input = h('input', {type: 'password', id, name: field, autocomplete: 'off', required: !optional,
    'aria-describedby': id + '-hint'});
  const out = h('div', {'aria-live': 'polite', id: id + '-result'});
  const form = h('form', {}, h('label', {for: id}, label), h('p', {class: 'hint', id: id + '-hint'}, hint), input, ' ',
    h('button', {type: 'submit'}, 'Save'), out);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    out.replaceChildren(h('p', {class: 'muted'}, 'Checking…'));
    try {
      await api('/secrets/' + path, {method: 'PUT', body: {[field]: input.value.trim()}});
      input.value = '';
      out.replaceChildren(h('p', {class: 'ok'}, saved));
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  });
  return form;
}

export async function onboardingPage() {
  const cfg = await config();
  const runpod = await api('/secrets/runpod').catch(() => ({configured: false}));
  const next = h('div', {id: 'onboarding-next', 'aria-live': 'polite'});
  const datasetDone = d => next.replaceChildren(report(d), d.errorCount === 0 ? h('p', {},
    h('a', {href: '#/deployments/new?dataset=' + d.id, id: 'continue'}, 'Continue to your first deployment →')) : null);
  const upload = uploadForm(h, datasetDone);
  const sample = h('button', {type: 'button', class: 'secondary', id: 'use-sample'}, 'Use the sample dataset');
  sample.addEventListener('click', async () => {
    const blob = await (await fetch('assets/sft-messages.jsonl')).blob();
    upload.uploadFile(new File([blob], 'sft-messages.jsonl', {lastModified: 0, type: 'application/x-ndjson'}));
  });
  return page('Set up Trainpod',
    h('section', {}, h('h2', {}, '1. Your RunPod API key'),
      runpod.configured ? h('p', {class: 'ok'}, `A key ending in ${runpod.last4} is stored. Replace it below if needed.`) : null,
      secretForm({id: 'runpod-key', label: 'RunPod API key', path: 'runpod', field: 'apiKey',
        hint: 'RunPod console → Settings → API Keys. Trainpod checks it with RunPod, stores it sealed and never shows it again.'
          + (cfg.localStack ? ' Local stack: use RUNPOD_SIM_API_KEY from .devstack/env.' : ''),
        saved: 'RunPod accepted the key; it is stored.'})),
    h('section', {}, h('h2', {}, '2. Hugging Face token (optional)'),
      secretForm({id: 'hf-token', label: 'Hugging Face token', path: 'huggingface', field: 'token', optional: true,
        hint: 'Only for gated or private models; starts with hf_.', saved: 'Token stored.'})),
    h('section', {}, h('h2', {}, '3. Your first dataset'),
      h('p', {}, 'Upload a JSON Lines file, or start with the bundled sample (chat messages for SFT). ', sample),
      upload),
    next);
}
