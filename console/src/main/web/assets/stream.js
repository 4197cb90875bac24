// The job's Server-Sent Events, read with fetch (EventSource cannot send the Authorization header), resumed with
// Last-Event-ID after a drop, until the stream's last event (phase status ENDED) or stop().
import {authHeader} from './api.js';

export function follow(id, onEvent) {
  let last = '';
  let stopped = false;
  const ctrl = new AbortController();
  (async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        const r = await fetch(`/api/v1/jobs/${id}/stream`, {signal: ctrl.signal,
          headers: {...authHeader(), Accept: 'text/event-stream', ...(last ? {'Last-Event-ID': last} : {})}});
        if (r.ok) {
          delay = 1000;
          if (await read(r.body)) return;
        }
      } catch (e) {
        if (stopped) return;
      }
      await new Promise(res => setTimeout(res, delay));
      delay = Math.min(delay * 2, 8000);
    }
  })();
  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let ev = {};
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return false;
      buf += value;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (ev.data !== undefined) {
            if (ev.id) last = ev.id;
            const data = JSON.parse(ev.data);
            onEvent(ev.event || 'message', data);
            if (ev.event === 'phase' && data.status === 'ENDED') return true;
          }
          ev = {};
        } else if (!line.startsWith(':')) {
          const i = line.indexOf(':');
          const k = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (k === 'data') ev.data = ev.data === undefined ? v : ev.data + '\n' + v;
          else if (k === 'event' || k === 'id') ev[k] = v;
        }
      }
    }
  }
  return {stop() { stopped = true; ctrl.abort(); }};
}
