/**
 * The dashboard's page: one HTML document with its script inline, no library. The script listens
 * to the server's event stream (`/events`: a `snapshot`, then `run` and `study` events), keeps
 * the same views the server keeps, and redraws at most every 100 ms: per run, the batch losses
 * and the epochs' train and dev losses and accuracies as SVG line charts; per study, the trial
 * table and one scatter of the value against each hyperparameter.
 */

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330 }
header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline }
header h1 { font-size: 18px; margin: 0 }
#live { font-size: 12px; color: #9fb3c8 }
#live.on { color: #7ee2a8 }
main { padding: 12px 20px }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 10px 14px; margin: 0 0 14px }
h2 { font-size: 16px; margin: 0 0 4px }
.status, .meta { font-size: 12px; font-weight: normal; color: #5b6575; margin-left: 8px }
.status.running { color: #0a7d4b } .status.diverged { color: #c0392b }
.charts { display: flex; flex-wrap: wrap; gap: 12px }
svg { background: #fff }
svg text { font: 11px system-ui, sans-serif; fill: #5b6575 }
polyline { fill: none; stroke-width: 1.6 }
.s-batch { stroke: #b9c3d0; stroke-width: 1 } .s-train { stroke: #2b6cb0 } .s-dev { stroke: #dd6b20 }
.s-trainAcc { stroke: #2b6cb0 } .s-devAcc { stroke: #dd6b20 }
.l-batch { fill: #8795a8 } .l-train, .l-trainAcc { fill: #2b6cb0 } .l-dev, .l-devAcc { fill: #dd6b20 }
.dot-complete { fill: #2b6cb0 } .dot-pruned { fill: #a0aec0 } .dot-best { fill: #dd6b20; stroke: #1d2330; stroke-width: 1.5 }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0 10px }
th, td { border-bottom: 1px solid #edf0f3; padding: 2px 10px 2px 0; text-align: right }
th:nth-child(2), td:nth-child(2) { text-align: left }
tr.best td { font-weight: bold }
tr.failed td, tr.pruned td { color: #8a94a3 }
.empty { color: #5b6575 }
`

const SCRIPT = `
'use strict'
const NS = 'http://www.w3.org/2000/svg'
const runs = new Map()
const studies = new Map()
let pending = false

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag)
  for (const k in attrs || {}) e.setAttribute(k, String(attrs[k]))
  if (text !== undefined) e.textContent = text
  return e
}
function fmt(v) {
  if (v === null || v === undefined || typeof v !== 'number') return v === null || v === undefined ? '\\u2014' : String(v)
  const a = Math.abs(v)
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)))
}
function extent(vs) {
  let lo = Infinity, hi = -Infinity
  for (const v of vs) { if (v < lo) lo = v; if (v > hi) hi = v }
  if (lo === Infinity) return [0, 1]
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.05, hi + (Math.abs(hi) || 1) * 0.05]
  return [lo, hi]
}
// a little room either side, so that no dot sits on the frame
function padded(e) {
  const d = (e[1] - e[0]) * 0.04
  return [e[0] - d, e[1] + d]
}

// a line chart: series of [x, y] points (null y skipped), each a polyline with data-n points
function chart(title, series, xLabel) {
  const W = 440, H = 210, L = 52, R = 10, T = 22, B = 30
  const svg = el('svg:svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-chart': title })
  svg.appendChild(el('svg:text', { x: L, y: 14 }, title))
  const pts = series.map((s) => s.points.filter((p) => p[1] !== null && Number.isFinite(p[1])))
  const xs = extent(pts.flat().map((p) => p[0]))
  const ys = padded(extent(pts.flat().map((p) => p[1])))
  const sx = (x) => L + ((x - xs[0]) / (xs[1] - xs[0])) * (W - L - R)
  const sy = (y) => H - B - ((y - ys[0]) / (ys[1] - ys[0])) * (H - T - B)
  svg.appendChild(el('svg:rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#dde1e7' }))
  svg.appendChild(el('svg:text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, fmt(ys[1])))
  svg.appendChild(el('svg:text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, fmt(ys[0])))
  svg.appendChild(el('svg:text', { x: L, y: H - B + 14 }, fmt(xs[0])))
  svg.appendChild(el('svg:text', { x: W - R, y: H - B + 14, 'text-anchor': 'end' }, fmt(xs[1])))
  svg.appendChild(el('svg:text', { x: (W + L) / 2, y: H - 4, 'text-anchor': 'middle' }, xLabel))
  let lx = W - R
  series.forEach((s, i) => {
    const p = pts[i]
    if (p.length === 0) return
    svg.appendChild(el('svg:polyline', { class: 's-' + s.key, 'data-series': s.key, 'data-n': p.length, points: p.map((q) => sx(q[0]).toFixed(1) + ',' + sy(q[1]).toFixed(1)).join(' ') }))
    svg.appendChild(el('svg:text', { x: lx, y: 14, 'text-anchor': 'end', class: 'l-' + s.key }, s.name))
    lx -= 8 + 6.5 * s.name.length
  })
  return svg
}

function apply(e) {
  const r = runs.get(e.run) || { name: e.run, status: 'running', batches: [], epochs: [] }
  if (e.type === 'batch') { r.batches.push([e.step, e.loss]); r.status = 'running' }
  else if (e.type === 'epoch') r.epochs.push({ epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, devLoss: e.devLoss, devAccuracy: e.devAccuracy })
  else r.status = e.reason
  runs.set(e.run, r)
}

function drawRun(r) {
  const s = el('section', { class: 'run', 'data-run': r.name })
  const h = el('h2', {}, r.name)
  h.appendChild(el('span', { class: 'status ' + r.status }, r.status === 'running' ? 'running' : 'ended: ' + r.status))
  s.appendChild(h)
  const last = r.batches[r.batches.length - 1]
  const ep = r.epochs[r.epochs.length - 1]
  s.appendChild(el('div', { class: 'meta' }, 'step ' + (last ? last[0] : 0) + ' \\u00b7 epochs ' + r.epochs.length + ' \\u00b7 batch loss ' + fmt(last ? last[1] : null) + (ep && ep.devAccuracy !== null ? ' \\u00b7 dev accuracy ' + fmt(ep.devAccuracy) : '')))
  const charts = el('div', { class: 'charts' })
  const at = (k) => r.epochs.map((e) => [e.step, e[k]])
  charts.appendChild(chart('loss', [{ key: 'batch', name: 'batch', points: r.batches }, { key: 'train', name: 'train', points: at('trainLoss') }, { key: 'dev', name: 'dev', points: at('devLoss') }], 'step'))
  if (r.epochs.some((e) => e.trainAccuracy !== null || e.devAccuracy !== null)) {
    charts.appendChild(chart('accuracy', [{ key: 'trainAcc', name: 'train', points: at('trainAccuracy') }, { key: 'devAcc', name: 'dev', points: at('devAccuracy') }], 'step'))
  }
  s.appendChild(charts)
  return s
}

function best(st) {
  let b = null
  for (const t of st.trials) if (t.state === 'complete' && t.value !== null && (b === null || (st.direction === 'max' ? t.value > b.value : t.value < b.value))) b = t
  return b
}

// one hyperparameter against the value: a log axis for logUniform, categories for choice
function scatter(st, p, b) {
  const W = 260, H = 200, L = 52, R = 12, T = 22, B = 30
  const svg = el('svg:svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-param': p.name })
  svg.appendChild(el('svg:text', { x: L, y: 14 }, 'value by ' + p.name))
  const ts = st.trials.filter((t) => t.value !== null && t.params && t.params[p.name] !== undefined)
  const cats = p.kind === 'choice' ? [...new Set(ts.map((t) => String(t.params[p.name])))].sort() : null
  const xOf = (t) => (cats ? cats.indexOf(String(t.params[p.name])) : p.kind === 'logUniform' ? Math.log10(t.params[p.name]) : t.params[p.name])
  const xs = cats ? [-0.5, Math.max(cats.length - 0.5, 0.5)] : padded(extent(ts.map(xOf)))
  const ys = padded(extent(ts.map((t) => t.value)))
  const sx = (x) => L + ((x - xs[0]) / (xs[1] - xs[0])) * (W - L - R)
  const sy = (y) => H - B - ((y - ys[0]) / (ys[1] - ys[0])) * (H - T - B)
  svg.appendChild(el('svg:rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#dde1e7' }))
  svg.appendChild(el('svg:text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, fmt(ys[1])))
  svg.appendChild(el('svg:text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, fmt(ys[0])))
  const xl = (x) => (cats ? cats[Math.round(x)] || '' : fmt(p.kind === 'logUniform' ? Math.pow(10, x) : x))
  svg.appendChild(el('svg:text', { x: L, y: H - B + 14 }, cats ? cats[0] || '' : xl(xs[0])))
  svg.appendChild(el('svg:text', { x: W - R, y: H - B + 14, 'text-anchor': 'end' }, cats ? cats[cats.length - 1] || '' : xl(xs[1])))
  svg.appendChild(el('svg:text', { x: (W + L) / 2, y: H - 4, 'text-anchor': 'middle' }, p.name + (p.kind === 'logUniform' ? ' (log)' : '')))
  for (const t of ts) {
    const c = el('svg:circle', { cx: sx(xOf(t)).toFixed(1), cy: sy(t.value).toFixed(1), r: t === b ? 5 : 3.5, class: t === b ? 'dot-best' : 'dot-' + t.state, 'data-trial': t.number })
    c.appendChild(el('svg:title', {}, '#' + t.number + ' ' + p.name + ' ' + fmt(t.params[p.name]) + ': ' + fmt(t.value)))
    svg.appendChild(c)
  }
  return svg
}

function drawStudy(st) {
  const s = el('section', { class: 'study', 'data-study': st.name })
  const b = best(st)
  const h = el('h2', {}, 'study ' + st.name)
  const done = st.trials.filter((t) => t.state !== 'running').length
  h.appendChild(el('span', { class: 'meta' }, st.trials.length + ' trials (' + done + ' ended) \\u00b7 ' + (st.direction === 'max' ? 'maximise' : 'minimise') + (b ? ' \\u00b7 best #' + b.number + ': ' + fmt(b.value) : '')))
  s.appendChild(h)
  if (st.error) s.appendChild(el('p', { class: 'error' }, st.error))
  const table = el('table', { class: 'trials' })
  const head = el('tr')
  for (const c of ['#', 'state', 'value', 'reports'].concat(st.params.map((p) => p.name))) head.appendChild(el('th', {}, c))
  table.appendChild(el('thead')).appendChild(head)
  const body = table.appendChild(el('tbody'))
  for (const t of st.trials) {
    const tr = el('tr', { 'data-trial': t.number, class: t === b ? 'best' : t.state })
    for (const c of [t.number, t.state, fmt(t.value), t.steps].concat(st.params.map((p) => fmt(t.params ? t.params[p.name] : null)))) tr.appendChild(el('td', {}, String(c)))
    body.appendChild(tr)
  }
  s.appendChild(table)
  const sc = el('div', { class: 'charts' })
  for (const p of st.params) sc.appendChild(scatter(st, p, b))
  s.appendChild(sc)
  return s
}

function draw() {
  pending = false
  const rs = document.getElementById('runs')
  const ss = document.getElementById('studies')
  rs.replaceChildren(...[...runs.values()].map(drawRun))
  ss.replaceChildren(...[...studies.values()].map(drawStudy))
  if (runs.size === 0 && studies.size === 0) rs.appendChild(el('p', { class: 'empty' }, 'No runs or studies yet: pass dashboard.fitListener(name) to Train.fit, or watch a study.'))
}
function schedule() {
  if (!pending) { pending = true; setTimeout(draw, 100) }
}

const live = document.getElementById('live')
const source = new EventSource('/events')
source.onopen = () => { live.textContent = 'live'; live.className = 'on' }
source.onerror = () => { live.textContent = 'disconnected: retrying'; live.className = '' }
source.addEventListener('snapshot', (m) => {
  const d = JSON.parse(m.data)
  runs.clear(); studies.clear()
  for (const r of d.runs) runs.set(r.name, r)
  for (const s of d.studies) studies.set(s.name, s)
  schedule()
})
source.addEventListener('run', (m) => { apply(JSON.parse(m.data)); schedule() })
source.addEventListener('study', (m) => { const s = JSON.parse(m.data); studies.set(s.name, s); schedule() })
`

/** The dashboard page's HTML. @internal */
export const dashboardPage = (): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>puregrad dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>puregrad dashboard</h1><span id="live">connecting…</span></header>
<main><div id="runs"></div><div id="studies"></div></main>
<script>${SCRIPT}</script>
</body>
</html>
`
