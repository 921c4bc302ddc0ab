// Renders the panels of a Grafana dashboard (docs/grafana/switchboard.json) from a real Prometheus into one HTML
// page of SVG charts, laid out by the panels' gridPos, for a screenshot in a browser. It is not Grafana: it runs
// each panel's PromQL as written (with $node = all, $__rate_interval = 1m, $__range = the window) and draws the
// series itself, so the picture shows what the dashboard's queries return, in its own simple style.
//
//   node render.mjs <dashboard.json> <prometheus-url> <start-unix> <end-unix> <out.html>
import fs from 'node:fs';

const [dashboardPath, prometheus, startText, endText, out] = process.argv.slice(2);
const start = Number(startText);
const end = Number(endText);
const dashboard = JSON.parse(fs.readFileSync(dashboardPath, 'utf8'));
const WIDTH = 1600;
const COL = (WIDTH - 16) / 24;
const ROW = 32;
const COLORS = ['#3b5bdb', '#f08c00', '#2b8a3e', '#ae3ec9', '#e03131', '#1098ad', '#5f3dc4', '#d6336c'];
const step = Math.max(5, Math.round((end - start) / 240));

const expand = (expr) => expr.replaceAll('$node', '.*').replaceAll('$__rate_interval', '1m')
  .replaceAll('$__range', (end - start) + 's');
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

async function range(expr) {
  const url = new URL('/api/v1/query_range', prometheus);
  url.search = new URLSearchParams({ query: expand(expr), start, end, step }).toString();
  const answer = await (await fetch(url)).json();
  if (answer.status !== 'success') throw new Error(expr + ': ' + JSON.stringify(answer));
  return answer.data.result;
}

function format(value, unit) {
  if (value == null || !isFinite(value)) return '–';
  const trim = (n) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
  switch (unit) {
    case 's':
      if (value === 0) return '0 s';
      if (value < 1e-3) return trim(value * 1e6) + ' µs';
      if (value < 1) return trim(value * 1e3) + ' ms';
      return trim(value) + ' s';
    case 'bytes':
      if (value < 1024) return trim(value) + ' B';
      if (value < 1024 * 1024) return trim(value / 1024) + ' KiB';
      return trim(value / 1024 / 1024) + ' MiB';
    case 'ops':
      return trim(value) + '/s';
    default:
      return Number.isInteger(value) ? String(value) : trim(value);
  }
}

function legendOf(format, metric) {
  return format ? format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label) => metric[label] ?? '') : JSON.stringify(metric);
}

function chart(series, unit, width, height, stacked, fixedMax) {
  const left = 64;
  const bottom = 22;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 6;
  let lines = series.map((s) => s.points);
  if (stacked) {
    const sums = new Map();
    lines = lines.map((points) => points.map(([t, v]) => {
      const sum = (sums.get(t) || 0) + v;
      sums.set(t, sum);
      return [t, sum];
    }));
  }
  const highest = Math.max(0, ...lines.flat().map(([, v]) => v));
  const max = fixedMax ?? (highest === 0 ? 1 : highest * 1.1);
  const x = (t) => left + ((t - start) / (end - start)) * plotWidth;
  const y = (v) => 6 + plotHeight * (1 - v / max);
  let svg = `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    svg += `<line x1="${left}" x2="${width - 8}" y1="${y(value)}" y2="${y(value)}" class="grid"/>`;
    svg += `<text x="${left - 6}" y="${y(value) + 4}" class="axis" text-anchor="end">${escape(format(value, unit))}</text>`;
  }
  for (let i = 0; i <= 5; i++) {
    const t = start + ((end - start) * i) / 5;
    const label = new Date(t * 1000).toISOString().substring(11, end - start < 600 ? 19 : 16);
    svg += `<text x="${x(t)}" y="${height - 4}" class="axis" text-anchor="middle">${label}</text>`;
  }
  lines.forEach((points, i) => {
    if (!points.length) return;
    const path = points.map(([t, v], j) => (j ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1)).join(' ');
    const color = COLORS[i % COLORS.length];
    svg += `<path d="${path} L${x(points[points.length - 1][0])} ${y(0)} L${x(points[0][0])} ${y(0)} Z" fill="${color}" fill-opacity="0.08"/>`;
    svg += `<path d="${path}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`;
  });
  return svg + '</svg>';
}

async function panel(p) {
  const width = Math.round(p.gridPos.w * COL) - 8;
  const height = p.gridPos.h * ROW - 8;
  const unit = p.fieldConfig?.defaults?.unit || 'short';
  const series = [];
  for (const target of p.targets) {
    for (const result of await range(target.expr)) {
      series.push({ name: legendOf(target.legendFormat, result.metric),
        points: result.values.map(([t, v]) => [Number(t), Number(v)]).filter(([, v]) => isFinite(v)) });
    }
  }
  series.sort((a, b) => a.name.localeCompare(b.name));
  let body;
  if (p.type === 'stat') {
    const last = series.length ? series[0].points.at(-1)?.[1] : null;
    const decimals = p.fieldConfig?.defaults?.decimals;
    const shown = last == null ? '–' : decimals === 0 && unit === 'short' ? String(Math.round(last)) : format(last, unit);
    body = `<div class="stat">${escape(shown)}</div>${series.length ? chart(series.slice(0, 1), unit, width - 16, 34, false).replace(/<text[^>]*>[^<]*<\/text>|<line[^>]*\/>/g, '') : ''}`;
  } else {
    const stacked = p.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
    body = chart(series, unit, width - 16, height - 70, stacked, p.fieldConfig?.defaults?.max)
      + '<ul class="legend">' + series.map((s, i) => `<li><span style="background:${COLORS[i % COLORS.length]}"></span>`
        + `${escape(s.name)} <b>${escape(format(s.points.at(-1)?.[1], unit))}</b></li>`).join('') + '</ul>';
  }
  return `<section style="left:${Math.round(p.gridPos.x * COL) + 8}px;top:${p.gridPos.y * ROW + 96}px;width:${width}px;height:${height}px">`
    + `<h2>${escape(p.title)}</h2>${body}</section>`;
}

const sections = [];
for (const p of dashboard.panels) sections.push(await panel(p));
const bottom = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h)) * ROW + 110;
const window = `${new Date(start * 1000).toISOString().substring(0, 16)} to ${new Date(end * 1000).toISOString().substring(11, 16)} UTC`;
fs.writeFileSync(out, `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;width:${WIDTH}px;height:${bottom}px;position:relative;background:#f5f6f8;color:#1d2230;font:13px system-ui,sans-serif}
header{position:absolute;left:8px;right:8px;top:8px;height:76px;padding:10px 16px;background:#fff3bf;border:1px solid #f59f00;border-radius:6px;box-sizing:border-box}
header b{font-size:16px} header p{margin:4px 0 0}
section{position:absolute;box-sizing:border-box;background:#fff;border:1px solid #e3e6ec;border-radius:6px;padding:8px;overflow:hidden}
h2{margin:0 0 4px;font-size:13px;font-weight:600}
.stat{font-size:30px;font-weight:600;color:#3b5bdb;text-align:center;line-height:1.2}
.grid{stroke:#e3e6ec}.axis{fill:#667085;font-size:11px}
.legend{list-style:none;margin:2px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:2px 14px;font-size:12px}
.legend span{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}
</style></head><body>
<header><b>Panels of docs/grafana/switchboard.json — rendered without Grafana</b>
<p>Each panel's PromQL, run as written against a real Prometheus that scraped a 3-node demo cluster's <code>/switchboard/api/metrics</code> every 5 s
(${escape(window)}; $node = all, $__rate_interval = 1m), drawn by docs/grafana/render/render.mjs. Grafana itself draws the same queries in its own style.</p></header>
${sections.join('\n')}
</body></html>`);
