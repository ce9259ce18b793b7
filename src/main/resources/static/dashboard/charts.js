// Bars and charts drawn as SVG; their colours come from dashboard.css (classes o-<outcome>).
import {count, rate, svg} from './dom.js';

export const OUTCOMES = ['inserted', 'updated', 'unchanged', 'skipped', 'rejected'];

/** The outcome split of the totals as one stacked bar, with the counts in its tooltip. */
export function outcomeBar(totals, width = 160, height = 12) {
  const received = totals ? totals.received : 0;
  const bar = svg('svg', {
    class: 'outcome-bar', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': OUTCOMES.map(o => o + ' ' + count(totals ? totals[o] : 0)).join(', '),
  });
  bar.append(svg('rect', {class: 'empty', x: 0, y: 0, width, height}));
  let x = 0;
  for (const outcome of OUTCOMES) {
    const n = totals ? totals[outcome] : 0;
    if (received > 0 && n > 0) {
      const w = (n / received) * width;
      bar.append(svg('rect', {class: 'o-' + outcome, x, y: 0, width: w, height},
        svg('title', {}, outcome + ': ' + count(n))));
      x += w;
    }
  }
  return bar;
}

/** A progress bar for done out of total. */
export function progressBar(done, total, width = 160, height = 8) {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  return svg('svg', {class: 'progress-bar', width, height, viewBox: `0 0 ${width} ${height}`},
    svg('rect', {class: 'empty', x: 0, y: 0, width, height}),
    svg('rect', {class: 'done', x: 0, y: 0, width: share * width, height}));
}

const W = 640;
const H = 180;
const PAD = {left: 56, right: 12, top: 12, bottom: 24};

function frame(title, maxY, spanMs, format) {
  const chart = svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title});
  const bottom = H - PAD.bottom;
  chart.append(
    svg('line', {class: 'axis', x1: PAD.left, y1: bottom, x2: W - PAD.right, y2: bottom}),
    svg('line', {class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: bottom}),
    svg('text', {class: 'label', x: PAD.left - 4, y: PAD.top + 8, 'text-anchor': 'end'}, format(maxY)),
    svg('text', {class: 'label', x: PAD.left - 4, y: bottom, 'text-anchor': 'end'}, '0'),
    svg('text', {class: 'label', x: PAD.left, y: H - 6}, '0 s'),
    svg('text', {class: 'label', x: W - PAD.right, y: H - 6, 'text-anchor': 'end'},
      rate(spanMs / 1000) + ' s'),
    svg('text', {class: 'title', x: W / 2, y: PAD.top + 4, 'text-anchor': 'middle'}, title));
  return chart;
}

function scale(start, spanMs, maxY) {
  const x = t => PAD.left + ((t - start) / spanMs) * (W - PAD.left - PAD.right);
  const y = v => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  return {x, y};
}

const WINDOW_MS = 1000;

/**
 * Rows per second at each commit, over the second before it (or since the start, if sooner):
 * chunks that commit together, or arrive together when replayed without committedAt, would give
 * spikes between neighbours. Points are {t (ms), received (cumulative)}, the first the job's start.
 */
export function rates(points) {
  const out = [];
  let from = 0;
  for (let i = 1; i < points.length; i++) {
    const point = points[i];
    while (from + 1 < i && point.t - points[from + 1].t >= WINDOW_MS) {
      from++;
    }
    const ms = point.t - points[from].t;
    if (ms > 0) {
      out.push({t: point.t, v: ((point.received - points[from].received) * 1000) / ms});
    }
  }
  return out;
}

/** Rows/s over time, as a step line. */
export function ratesChart(points) {
  const series = rates(points);
  const start = points.length ? points[0].t : 0;
  const end = points.length ? points[points.length - 1].t : 0;
  const span = Math.max(1, end - start);
  const maxY = Math.max(1, ...series.map(p => p.v));
  const chart = frame('rows/s', maxY, span, rate);
  const {x, y} = scale(start, span, maxY);
  let previous = start;
  const steps = [];
  for (const p of series) {
    steps.push(`${x(previous)},${y(p.v)}`, `${x(p.t)},${y(p.v)}`);
    previous = p.t;
  }
  if (steps.length) {
    chart.append(svg('polyline', {class: 'rate', points: steps.join(' ')}));
  }
  return chart;
}

/** Cumulative outcomes over time, stacked: points are {t, totals}. */
export function outcomesChart(points) {
  const start = points.length ? points[0].t : 0;
  const end = points.length ? points[points.length - 1].t : 0;
  const span = Math.max(1, end - start);
  const maxY = Math.max(1, ...points.map(p => p.totals.received));
  const chart = frame('cumulative outcomes', maxY, span, count);
  const {x, y} = scale(start, span, maxY);
  const below = points.map(() => 0);
  for (const outcome of OUTCOMES) {
    const above = points.map((p, i) => below[i] + (p.totals[outcome] || 0));
    if (above.some((v, i) => v !== below[i])) {
      const top = points.map((p, i) => `${x(p.t)},${y(above[i])}`);
      const bottom = points.map((p, i) => `${x(p.t)},${y(below[i])}`).reverse();
      chart.append(svg('polygon', {class: 'area o-' + outcome, points: top.concat(bottom).join(' ')},
        svg('title', {}, outcome)));
    }
    above.forEach((v, i) => (below[i] = v));
  }
  return chart;
}

/** The colour key of the outcomes. */
export function legend() {
  const key = svg('svg', {class: 'legend', viewBox: `0 0 ${OUTCOMES.length * 110} 16`, width: OUTCOMES.length * 110, height: 16});
  OUTCOMES.forEach((outcome, i) => {
    key.append(svg('rect', {class: 'o-' + outcome, x: i * 110, y: 3, width: 10, height: 10}),
      svg('text', {class: 'label', x: i * 110 + 14, y: 12}, outcome));
  });
  return key;
}
