// A small SVG line chart (no library): one series, its axes' ranges, and the point count as data-points.
const NS = 'http://www.w3.org/2000/svg';
const W = 600, H = 200, PAD = 36;

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

export class LineChart {
  constructor(title, id) {
    this.points = [];
    this.figure = document.createElement('figure');
    this.figure.className = 'chart';
    this.figure.id = id;
    this.svg = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title});
    this.caption = document.createElement('figcaption');
    this.title = title;
    this.figure.append(this.svg, this.caption);
    this.draw();
  }

  add(step, value) {
    if (value === null || value === undefined || !isFinite(value)) return;
    const last = this.points.at(-1);
    if (last && last[0] === step) last[1] = value; else this.points.push([step, value]);
    if (last && last[0] > step) this.points.sort((a, b) => a[0] - b[0]);
    this.dirty ??= requestAnimationFrame(() => { this.dirty = null; this.draw(); });
  }

  draw() {
    const p = this.points;
    this.figure.dataset.points = p.length;
    this.svg.replaceChildren(svg('line', {class: 'axis', x1: PAD, y1: H - PAD, x2: W - 8, y2: H - PAD}),
      svg('line', {class: 'axis', x1: PAD, y1: 8, x2: PAD, y2: H - PAD}));
    if (!p.length) { this.caption.textContent = this.title + ': no points yet'; return; }
    const xs = p.map(q => q[0]), ys = p.map(q => q[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
    const X = x => PAD + (x - x0) / (x1 - x0) * (W - PAD - 8), Y = y => H - PAD - (y - y0) / (y1 - y0) * (H - PAD - 8);
    this.svg.append(svg('polyline', {class: 'line', points: p.map(q => X(q[0]).toFixed(1) + ',' + Y(q[1]).toFixed(1)).join(' ')}));
    const label = (x, y, t, anchor = 'start') => { const e = svg('text', {x, y, 'text-anchor': anchor}); e.textContent = t; return e; };
    this.svg.append(label(2, 14, y1.toPrecision(3)), label(2, H - PAD, y0.toPrecision(3)),
      label(PAD, H - 18, 'step ' + x0), label(W - 8, H - 18, 'step ' + x1, 'end'));
    const [ls, lv] = p.at(-1);
    this.caption.textContent = `${this.title}: ${lv.toPrecision(4)} at step ${ls} (${p.length} points)`;
  }
}
