// Resumable dataset upload over the tus-style API (/api/v1/uploads): the upload's id is remembered per file, so a
// dropped connection or a reload picks up at the offset the server reports instead of starting again.
import {api, ApiError} from './api.js';

const CHUNK = 1 << 20;
const RETRIES = 5;
const key = f => 'trainpod.upload:' + f.name + ':' + f.size + ':' + f.lastModified;
const pause = ms => new Promise(r => setTimeout(r, ms));

async function offsetOf(id) {
  const r = await api('/uploads/' + id, {method: 'HEAD', raw: true});
  return {offset: Number(r.headers.get('Upload-Offset')), datasetId: r.headers.get('Trainpod-Dataset-Id')};
}

async function start(file) {
  const remembered = localStorage.getItem(key(file));
  if (remembered) {
    try {
      return {id: remembered, ...(await offsetOf(remembered))};
    } catch (e) {
      localStorage.removeItem(key(file));
    }
  }
  const view = await api('/uploads?name=' + encodeURIComponent(file.name), {method: 'POST',
    headers: {'Upload-Length': String(file.size), 'Tus-Resumable': '1.0.0'}});
  localStorage.setItem(key(file), view.id);
  return {id: view.id, offset: 0, datasetId: null};
}

/**
 * Uploads the file, calling onProgress(sent, total, note); resolves with the dataset's summary (and its
 * validation report). Network failures are retried from the server's offset.
 */
export async function upload(file, onProgress) {
  let {id, offset, datasetId} = await start(file);
  if (datasetId) {
    localStorage.removeItem(key(file));
    return api('/datasets/' + datasetId);
  }
  let failures = 0;
  onProgress(offset, file.size, offset ? 'resuming at ' + offset + ' bytes' : '');
  for (;;) {
    try {
      const r = await api('/uploads/' + id, {method: 'PATCH', raw: true, body: file.slice(offset, offset + CHUNK),
        headers: {'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset),
          'Tus-Resumable': '1.0.0'}});
      offset = Number(r.headers.get('Upload-Offset'));
      failures = 0;
      onProgress(offset, file.size, '');
      if (r.status === 201) {
        localStorage.removeItem(key(file));
        return r.json();
      }
    } catch (e) {
      if (e instanceof ApiError && e.status !== 409) {
        if (e.status === 404) localStorage.removeItem(key(file));
        throw e;
      }
      if (++failures > RETRIES) throw new Error('The connection keeps dropping; upload again to resume.');
      onProgress(offset, file.size, 'connection lost, resuming…');
      await pause(500 * failures);
      offset = (await offsetOf(id)).offset;
    }
  }
}

/** A file input, an upload button, a progress bar and the validation report once done; calls onDone(dataset). */
export function uploadForm(h, onDone) {
  const input = h('input', {type: 'file', id: 'dataset-file', name: 'file', accept: '.jsonl,.json,application/x-ndjson'});
  const bar = h('progress', {id: 'upload-progress', max: 1, value: 0, 'aria-label': 'Upload progress', hidden: true});
  const note = h('p', {class: 'muted', 'aria-live': 'polite', id: 'upload-note'});
  const out = h('div');
  const button = h('button', {type: 'submit', id: 'upload'}, 'Upload');
  const form = h('form', {id: 'upload-form'}, h('label', {for: 'dataset-file'}, 'Dataset file (JSON Lines)'),
    input, ' ', button, bar, note, out);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const file = input.files[0];
    if (!file) { note.textContent = 'Choose a file first.'; input.focus(); return; }
    await run(file);
  });
  async function run(file) {
    button.disabled = true;
    bar.hidden = false;
    out.replaceChildren();
    try {
      const dataset = await upload(file, (sent, total, msg) => {
        bar.max = Math.max(total, 1);
        bar.value = sent;
        note.textContent = `${sent} of ${total} bytes` + (msg ? ' — ' + msg : '');
      });
      note.textContent = 'Uploaded ' + dataset.name + '.';
      onDone(dataset);
    } catch (e) {
      note.textContent = '';
      out.replaceChildren(h('div', {class: 'alert', role: 'alert'}, e.problem?.detail || e.message));
    } finally {
      button.disabled = false;
    }
  }
  form.uploadFile = run;
  return form;
}
