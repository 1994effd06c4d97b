#include "sim/html_report.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"

#include "sim/cluster.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace sim {
namespace {

using nlohmann::json;

// Times in the page: milliseconds are plenty.
double R3(double x) {
  if (!std::isfinite(x)) return -1;
  return std::round(x * 1000) / 1000;
}

std::string D(absl::Duration d) { return absl::FormatDuration(d); }

swim::Config ProfileDefaults(const std::string& profile) {
  if (profile == "wan") return swim::DefaultWANConfig();
  if (profile == "local") return swim::DefaultLocalConfig();
  return swim::DefaultLANConfig();
}

// [key, value used, profile default]
json ConfigRows(const Scenario& sc) {
  const swim::Config& c = sc.config;
  const swim::Config p = ProfileDefaults(sc.profile);
  json rows = json::array();
  auto add = [&rows](const char* k, const std::string& v,
                     const std::string& d) {
    rows.push_back({k, v, d});
  };
  auto num = [](auto v) { return absl::StrCat(v); };
  auto yes = [](bool b) { return std::string(b ? "true" : "false"); };
  add("probe_interval", D(c.probe_interval), D(p.probe_interval));
  add("probe_timeout", D(c.probe_timeout), D(p.probe_timeout));
  add("indirect_checks", num(c.indirect_checks), num(p.indirect_checks));
  add("suspicion_mult", num(c.suspicion_mult), num(p.suspicion_mult));
  add("suspicion_max_timeout_mult", num(c.suspicion_max_timeout_mult),
      num(p.suspicion_max_timeout_mult));
  add("awareness_max_multiplier", num(c.awareness_max_multiplier),
      num(p.awareness_max_multiplier));
  add("gossip_interval", D(c.gossip_interval), D(p.gossip_interval));
  add("gossip_nodes", num(c.gossip_nodes), num(p.gossip_nodes));
  add("gossip_to_the_dead_time", D(c.gossip_to_the_dead_time),
      D(p.gossip_to_the_dead_time));
  add("retransmit_mult", num(c.retransmit_mult), num(p.retransmit_mult));
  add("push_pull_interval", D(c.push_pull_interval), D(p.push_pull_interval));
  add("tcp_timeout", D(c.tcp_timeout), D(p.tcp_timeout));
  add("disable_tcp_pings", yes(c.disable_tcp_pings), yes(p.disable_tcp_pings));
  add("dead_node_reclaim_time", D(c.dead_node_reclaim_time),
      D(p.dead_node_reclaim_time));
  add("udp_buffer_size", num(c.udp_buffer_size), num(p.udp_buffer_size));
  add("enable_compression", yes(c.enable_compression),
      yes(p.enable_compression));
  add("encryption", yes(c.EncryptionEnabled()), yes(p.EncryptionEnabled()));
  add("join_sync", yes(c.join_sync), yes(p.join_sync));
  add("compat (docs/departures.md)", sc.compat, "default");
  add("handoff", c.handoff == swim::HandoffMode::kGoLifo ? "go_lifo" : "inline",
      "inline");
  add("refutation_transmit_scale", num(c.refutation_transmit_scale),
      num(p.refutation_transmit_scale));
  add("weight_interval", D(c.weight_interval), D(p.weight_interval));
  add("gossip_weights", yes(c.gossip_weights), yes(p.gossip_weights));
  return rows;
}

// One node's row of the grid, run-length encoded: [[len, a, s, d, l, u]...].
json GridRow(const Timeline& tl, int node) {
  json row = json::array();
  std::array<int, Timeline::kStates> prev{};
  int len = 0;
  auto flush = [&] {
    if (len == 0) return;
    json r = json::array({len});
    for (int v : prev) r.push_back(v);
    row.push_back(std::move(r));
  };
  for (int c = 0; c < tl.columns; ++c) {
    std::array<int, Timeline::kStates> cur{};
    for (int s = 0; s < Timeline::kStates; ++s)
      cur[s] = tl.count(node, c, static_cast<Timeline::State>(s));
    if (len > 0 && cur == prev) {
      ++len;
    } else {
      flush();
      prev = cur;
      len = 1;
    }
  }
  flush();
  return row;
}

json Names(const std::vector<std::pair<int, double>>& v) {
  json a = json::array();
  for (auto& [n, t] : v) a.push_back({n, R3(t)});
  return a;
}

json RunJson(const RunResult& r, const Timeline& tl) {
  json x;
  x["seed"] = r.seed;
  x["passed"] = r.passed;
  x["hash"] = absl::StrFormat("%016x", r.trace_hash);
  x["problems"] = r.problems;
  x["virtual_s"] = R3(absl::ToDoubleSeconds(r.virtual_time));
  x["messages"] = r.messages;
  x["bytes"] = r.bytes;
  json ck = json::array();
  for (const CheckerOutcome& c : r.checkers) {
    ck.push_back({{"name", c.result.name},
                  {"enabled", c.enabled},
                  {"expected_to_fail", c.expected_to_fail},
                  {"violations", c.result.violations},
                  {"example", c.result.examples.empty() ? std::string()
                                                        : c.result.examples[0]},
                  {"ok", !c.problem()}});
  }
  x["checkers"] = ck;
  json g;
  g["cols"] = tl.columns;
  g["col_s"] = tl.column_s;
  g["end_s"] = R3(tl.end_s);
  json rows = json::array();
  for (int i = 0; i < tl.nodes; ++i) rows.push_back(GridRow(tl, i));
  g["rows"] = rows;
  x["grid"] = g;
  json down = json::array();
  for (const Timeline::Interval& d : tl.down)
    down.push_back({d.node, R3(d.t0), R3(d.t1), d.what});
  x["down"] = down;
  json deaths = json::array();
  for (const Timeline::Death& d : tl.deaths) {
    deaths.push_back({{"at", R3(d.at)},
                      {"accuser", d.accuser},
                      {"victim", d.victim},
                      {"incarnation", d.incarnation},
                      {"causes", d.causes},
                      {"suspected_by", Names(d.suspected_by)},
                      {"confirmations", d.confirmations},
                      {"also_dead_by", Names(d.also_dead_by)},
                      {"victim_heard", R3(d.victim_heard)},
                      {"victim_heard_what", d.victim_heard_what},
                      {"refuted_seen", R3(d.refuted_seen)},
                      {"excerpt", d.excerpt}});
  }
  x["deaths"] = deaths;
  json tr = json::array();
  for (const Timeline::Traffic& t : tl.traffic) {
    tr.push_back({t.packets_sent, t.bytes_sent, t.packets_received,
                  t.bytes_received, t.streams_opened, t.stream_bytes_sent});
  }
  x["traffic"] = tr;
  x["suspicions"] = tl.suspicions.size();
  x["probes"] = tl.probes.size();
  x["push_pulls"] = tl.push_pulls.size();
  return x;
}

constexpr char kCss[] = R"CSS(
:root { --fg:#1d2430; --mute:#5b6573; --line:#d9dde3; --bg:#fff; --soft:#f5f7fa;
  --alive:#5fb760; --suspect:#f0a030; --dead:#d8383a; --left:#8a8f98; --unknown:#e4e6ea; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); background: var(--bg); margin: 0; padding: 18px 24px 60px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--mute); }
.verdict { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600; font-size: 13px; margin-left: 8px; vertical-align: 3px; }
.pass { background: #e3f4e4; color: #1f6b22; } .fail { background: #fbe1e1; color: #9b1c1c; }
table { border-collapse: collapse; }
td, th { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: var(--mute); font-weight: 600; }
table.grid td, table.grid th { border-bottom: 1px solid var(--line); padding: 4px 14px 4px 4px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
#errors { background: #fbe1e1; color: #9b1c1c; padding: 8px; white-space: pre-wrap; }
.controls { margin: 6px 0 10px; }
select { font: inherit; padding: 2px 4px; }
#nxt { position: relative; user-select: none; }
#nxt .row { display: flex; align-items: center; }
#nxt .row .lbl { width: 74px; flex: none; font-size: 11px; color: var(--mute); text-align: right; padding-right: 6px; white-space: nowrap; }
#nxt .row.hl .lbl { color: var(--dead); font-weight: 700; }
#nxt canvas { display: block; }
#nxt .axis { margin-left: 74px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; color: var(--mute); }
.legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
#tip { position: fixed; pointer-events: none; background: #1d2430; color: #fff; font-size: 12px; padding: 5px 8px; border-radius: 4px; display: none; z-index: 10; white-space: pre; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
.plots > div { flex: 1 1 520px; max-width: 780px; }
.plots svg { border: 1px solid var(--line); width: 100%; height: auto; }
#nxt .axis svg { overflow: visible; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--dead); border-radius: 4px; padding: 10px 14px; margin: 10px 0; background: var(--soft); }
.card .title { font-weight: 700; margin-bottom: 4px; }
.card th { width: 210px; }
.card pre { max-height: 360px; overflow: auto; background: #fff; border: 1px solid var(--line); padding: 6px; }
.card mark { background: #ffe08a; }
.bar { display: inline-block; height: 9px; background: #8fb3de; vertical-align: 0; }
.tag { font-size: 11px; padding: 0 5px; border-radius: 6px; background: #fff1c2; color: #7a5a00; }
.note { color: var(--mute); font-size: 12px; }
#expect { margin-top: 14px; }
)CSS";

constexpr char kEarlyJs[] = R"JS(
window.__errors = [];
function __reportError(text) {
  window.__errors.push(text);
  var el = document.getElementById('errors');
  if (el) { el.hidden = false; el.textContent = 'Script errors:\n' + window.__errors.join('\n'); }
}
window.addEventListener('error', function (e) {
  __reportError(String(e.message) + ' (line ' + e.lineno + ')');
});
(function () {
  var orig = console.error;
  console.error = function () {
    __reportError('console.error: ' + Array.prototype.join.call(arguments, ' '));
    orig.apply(console, arguments);
  };
})();
)JS";

constexpr char kJs[] = R"JS(
(function () {
'use strict';
const D = JSON.parse(document.getElementById('data').textContent);
const $ = (id) => document.getElementById(id);
const STATES = ['alive', 'suspect', 'dead', 'left', 'unknown'];
const COLOR = { alive: '#5fb760', suspect: '#f0a030', dead: '#d8383a', left: '#8a8f98', unknown: '#e4e6ea' };
const STACK = [2, 1, 3, 4, 0];  // bottom up: dead, suspect, left, unknown, alive
const TRUTH = { crashed: '#1d2430', paused: '#7a4fd0', left: '#8a8f98' };
const LBL = 74;

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in (attrs || {})) {
    if (k === 'class') e.className = attrs[k];
    else if (k === 'text') e.textContent = attrs[k];
    else e.setAttribute(k, attrs[k]);
  }
  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function node(i) { return 'node-' + i; }
function fmtS(t) {
  if (t < 0) return 'never';
  if (t < 1) return (t * 1000).toFixed(0) + ' ms';
  return t.toFixed(3).replace(/0+$/, '').replace(/\.$/, '') + ' s';
}
function fmtN(x) { return Number(x).toLocaleString('en-US'); }
function niceStep(x) {
  if (!(x > 0)) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 5, 10]) if (m * e >= x * 0.999999) return m * e;
  return 10 * e;
}
function table(cls, head, rows) {
  const t = h('table', { class: cls });
  if (head) t.append(h('tr', {}, ...head.map((x) => h('th', {}, x))));
  for (const r of rows) t.append(h('tr', {}, ...r.map((x) => (x instanceof Node && (x.tagName === 'TD' || x.tagName === 'TH')) ? x : h('td', {}, x))));
  return t;
}
function num(x) { return h('td', { class: 'num' }, x); }

// ---- static parts ----
function renderStatic() {
  $('title').append(D.name, h('span', { class: 'verdict ' + (D.passed ? 'pass' : 'fail') }, D.passed ? 'PASS' : 'FAIL'));
  $('desc').textContent = D.description;
  $('what').textContent = D.size + ' nodes, ' + D.profile + ' profile, ' + fmtS(D.duration_s) +
      ' of virtual time per run, ' + D.runs.length + (D.runs.length === 1 ? ' seed' : ' seeds') +
      (D.path ? ' — ' + D.path : '');
  $('table').append(table('grid', ['at', 'action', 'what the cluster did (p50 / p99 / max over seeds)'], D.table));
  $('agreement').innerHTML = D.agreement_svg;
  $('detection').innerHTML = D.detection_svg;
  const ex = D.expectations.map((e) => [e.metric, e.want, e.value, e.held ? 'ok' : 'FAILED']);
  if (ex.length) $('expect').append(table('grid', ['expectation', 'wanted', 'measured', ''], ex));
  $('config').append(table('grid', ['setting', 'used', 'profile "' + D.profile + '" default'],
      D.config.map((r) => [r[0], r[1] !== r[2] ? h('span', {}, r[1] + ' ', h('span', { class: 'tag' }, 'override')) : r[1], r[2]])));
  $('network').textContent = D.network;
  const sel = $('seed');
  D.runs.forEach((r, k) => {
    const o = h('option', { value: String(k) }, 'seed ' + r.seed + (r.passed ? ' (pass' : ' (FAIL') +
        (r.deaths.length ? ', ' + r.deaths.length + ' false death' + (r.deaths.length > 1 ? 's' : '') : '') + ')');
    sel.append(o);
  });
  let first = D.runs.findIndex((r) => r.deaths.length > 0);
  if (first < 0) first = D.runs.findIndex((r) => !r.passed);
  if (first < 0) first = 0;
  sel.value = String(first);
  sel.addEventListener('change', () => renderSeed(Number(sel.value)));
  return first;
}

// ---- node x time view ----
let cur = null;  // {run, decoded[], W, rowH}
function decode(row, cols) {
  const a = new Uint16Array(cols * 5);
  let c = 0;
  for (const r of row) {
    for (let k = 0; k < r[0]; k++, c++) for (let s = 0; s < 5; s++) a[c * 5 + s] = r[1 + s];
  }
  return a;
}
function drawRow(cv, run, i, W, H) {
  const g = run.grid, dpr = window.devicePixelRatio || 1;
  cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
  cv.style.width = W + 'px'; cv.style.height = H + 'px';
  const ctx = cv.getContext('2d');
  ctx.scale(dpr, dpr);
  const X = (t) => t / g.end_s * W;
  const top = H >= 8 ? 3 : 1, body = H - top - (H >= 8 ? 1 : 0);
  let c = 0;
  for (const r of g.rows[i]) {
    const x0 = c * g.col_s / g.end_s * W, x1 = (c + r[0]) * g.col_s / g.end_s * W;
    c += r[0];
    let total = 0;
    for (let s = 0; s < 5; s++) total += r[1 + s];
    if (total === 0) continue;
    let y = top + body;
    for (const s of STACK) {
      if (!r[1 + s]) continue;
      const hh = r[1 + s] / total * body;
      ctx.fillStyle = COLOR[STATES[s]];
      ctx.fillRect(x0, y - hh, Math.max(0.6, x1 - x0), hh);
      y -= hh;
    }
  }
  for (const d of run.down) {
    if (d[0] !== i || !TRUTH[d[3]]) continue;
    ctx.fillStyle = TRUTH[d[3]];
    ctx.fillRect(X(d[1]), 0, Math.max(1, X(d[2]) - X(d[1])), top);
  }
  ctx.strokeStyle = 'rgba(29,36,48,0.35)';
  ctx.lineWidth = 1;
  for (const a of D.actions) {
    for (const t of [a.t0, a.t1]) {
      if (t === null || t === undefined) continue;
      const x = Math.round(X(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H); ctx.stroke();
    }
  }
  for (const d of run.deaths) {
    if (d.victim !== i) continue;
    const x = X(d.at);
    ctx.fillStyle = '#1d2430';
    ctx.beginPath(); ctx.moveTo(x - 4, 0); ctx.lineTo(x + 4, 0); ctx.lineTo(x, Math.min(H, 7)); ctx.closePath(); ctx.fill();
  }
}
function axisSvg(run, W) {
  const end = run.grid.end_s;
  const NS = 'http://www.w3.org/2000/svg';
  const lanes = [];
  const items = D.actions.map((a) => {
    const x0 = a.t0 / end * W, x1 = Math.max(x0 + 3, (a.t1 === null ? a.t0 : a.t1) / end * W);
    const textW = a.label.length * 6.2 + 6;
    let lane = 0;
    while (lanes[lane] !== undefined && lanes[lane] > x0) lane++;
    lanes[lane] = Math.max(x1, x0 + textW);
    return { a, x0, x1, lane };
  });
  const laneH = 18, axisY = Math.max(1, lanes.length) * laneH + 6, Hs = axisY + 20;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', W + 40); svg.setAttribute('height', Hs);
  svg.setAttribute('font-size', '11'); svg.setAttribute('font-family', 'system-ui, sans-serif');
  const add = (tag, at, text) => {
    const e = document.createElementNS(NS, tag);
    for (const k in at) e.setAttribute(k, at[k]);
    if (text !== undefined) e.textContent = text;
    svg.append(e); return e;
  };
  for (const it of items) {
    const y = it.lane * laneH + 2;
    const r = add('rect', { x: it.x0, y: y + laneH - 6, width: it.x1 - it.x0, height: 4, fill: '#4f6d99', rx: 1 });
    const t = document.createElementNS(NS, 'title'); t.textContent = it.a.label; r.append(t);
    add('text', { x: it.x0, y: y + laneH - 9, fill: '#1d2430' }, it.a.label);
  }
  add('line', { x1: 0, y1: axisY, x2: W, y2: axisY, stroke: '#5b6573' });
  const step = niceStep(end / 10);
  for (let t = 0; t <= end + 1e-9; t += step) {
    const x = t / end * W;
    add('line', { x1: x, y1: axisY, x2: x, y2: axisY + 4, stroke: '#5b6573' });
    add('text', { x: x, y: axisY + 15, 'text-anchor': 'middle', fill: '#5b6573' }, (Math.round(t * 1000) / 1000) + 's');
  }
  return svg;
}
function renderView(run) {
  const box = $('nxt');
  box.textContent = '';
  const W = Math.max(500, Math.min(1400, (box.clientWidth || 1000) - LBL - 30));
  const n = run.grid.rows.length;
  const H = n <= 40 ? 14 : n <= 120 ? 7 : 3;
  const ax = h('div', { class: 'axis' });
  ax.append(axisSvg(run, W));
  box.append(ax);
  const decoded = [];
  for (let i = 0; i < n; i++) {
    const cv = h('canvas', { 'data-node': String(i) });
    const row = h('div', { class: 'row', id: 'row-' + i, 'data-node': String(i) },
        h('div', { class: 'lbl' }, H >= 7 ? node(i) : ''), cv);
    box.append(row);
    drawRow(cv, run, i, W, H);
    decoded.push(null);
  }
  cur = { run, decoded, W, H };
  $('viewnote').textContent = 'Column width ' + fmtS(run.grid.col_s) + '; each column shows every observer\'s most severe view during it. ' +
      'Observers: running nodes other than the row\'s node. ' + run.suspicions + ' suspicions, ' + run.probes + ' probes, ' +
      run.push_pulls + ' push/pulls in this run.';
}
function onMove(ev) {
  const tip = $('tip');
  const cv = ev.target;
  if (!cur || cv.tagName !== 'CANVAS' || cv.dataset.node === undefined) { tip.style.display = 'none'; return; }
  const i = Number(cv.dataset.node), g = cur.run.grid;
  const col = Math.min(g.cols - 1, Math.max(0, Math.floor(ev.offsetX / cur.W * g.cols)));
  if (!cur.decoded[i]) cur.decoded[i] = decode(g.rows[i], g.cols);
  const a = cur.decoded[i];
  let total = 0;
  for (let s = 0; s < 5; s++) total += a[col * 5 + s];
  const t0 = col * g.col_s, t1 = t0 + g.col_s;
  let text = node(i) + '   ' + fmtS(t0) + ' – ' + fmtS(t1) + '\n';
  if (total === 0) text += 'no observers';
  else {
    text += STATES.map((s, k) => a[col * 5 + k] ? s + ' ' + a[col * 5 + k] : '').filter((x) => x).join(', ') + '  (of ' + total + ' observers)';
  }
  for (const d of cur.run.down) if (d[0] === i && d[1] <= t1 && d[2] >= t0) text += '\nground truth: ' + d[3] + ' ' + fmtS(d[1]) + ' – ' + fmtS(d[2]);
  tip.textContent = text;
  tip.style.display = 'block';
  tip.style.left = (ev.clientX + 14) + 'px';
  tip.style.top = (ev.clientY + 12) + 'px';
}

// ---- false deaths ----
function who(list) {
  return list.map((p) => node(p[0]) + ' at ' + fmtS(p[1])).join(', ');
}
function highlight(line, d) {
  const pre = h('span');
  const marks = ['marking ' + node(d.victim) + ' as failed', 'refuting a', 'suspect ' + node(d.victim) + ' has failed', 'view ' + node(d.victim) + ' dead'];
  if (marks.some((m) => line.includes(m))) pre.append(h('mark', {}, line));
  else pre.append(line);
  pre.append('\n');
  return pre;
}
function renderDeaths(run, k) {
  const box = $('deaths');
  box.textContent = '';
  if (!run.deaths.length) {
    box.append(h('p', { class: 'note' }, 'No live node was declared dead in seed ' + run.seed + '.'));
    return;
  }
  run.deaths.forEach((d, j) => {
    const id = 'excerpt-' + run.seed + '-' + j;
    const first = d.suspected_by.length ? d.suspected_by[0] : null;
    const rows = [
      ['accuser', node(d.accuser) + ' declared it dead at ' + fmtS(d.at)],
      ['victim', node(d.victim) + ' (incarnation ' + d.incarnation + '), alive all along'],
      ['cause (false_positives checker)', d.causes || '—'],
      ['suspected first by', first ? node(first[0]) + ' at ' + fmtS(first[1]) + ' (its probe got no ack)' : 'not in the trace'],
      ['confirmed by', (d.suspected_by.length > 1 ? who(d.suspected_by.slice(1)) : 'nobody else suspected it independently') +
          (d.confirmations >= 0 ? '; the accuser counted ' + d.confirmations + ' peer confirmation' + (d.confirmations === 1 ? '' : 's') +
              ' when its suspicion timer ran out' : '; the accuser did not time out a suspicion itself: it took the death from gossip')],
      ['did the victim hear it?', d.victim_heard < 0 ? 'no: the victim never refuted in the recorded window' :
          'yes, at ' + fmtS(d.victim_heard) + (d.victim_heard <= d.at ? ' (' + fmtS(d.at - d.victim_heard) + ' before the death)' :
              ' (' + fmtS(d.victim_heard - d.at) + ' too late)') + ': "' + d.victim_heard_what + '"'],
      ['refutation first seen', d.refuted_seen < 0 ? 'never' : 'at ' + fmtS(d.refuted_seen)],
      ['also declared dead by', d.also_dead_by.length ? d.also_dead_by.length + ': ' + who(d.also_dead_by) : 'nobody else'],
    ];
    const pre = h('pre');
    for (const l of d.excerpt) pre.append(highlight(l, d));
    const det = h('details', { id }, h('summary', {}, 'trace excerpt: ' + d.excerpt.length + ' lines of ' + node(d.accuser) + ' and ' + node(d.victim)), pre);
    const link = h('a', { href: '#' + id, class: 'excerpt-link' }, 'open the trace excerpt');
    link.addEventListener('click', () => { det.open = true; });
    const card = h('div', { class: 'card', id: 'death-' + run.seed + '-' + j },
        h('div', { class: 'title' }, 'False death: ' + node(d.accuser) + ' declared ' + node(d.victim) + ' dead at ' + fmtS(d.at)),
        table('kv', null, rows.map((r) => [h('th', {}, r[0]), r[1]])),
        h('div', {}, link, ' · replay: ', h('code', {}, D.replay + ' --seed ' + run.seed + ' --trace t.txt --log info')),
        det);
    card.addEventListener('mouseenter', () => { const r = $('row-' + d.victim); if (r) r.classList.add('hl'); });
    card.addEventListener('mouseleave', () => { const r = $('row-' + d.victim); if (r) r.classList.remove('hl'); });
    box.append(card);
  });
}

// ---- per-seed tables ----
function renderTraffic(run) {
  const box = $('traffic');
  box.textContent = '';
  const rows = [];
  let max = 1;
  const tot = run.traffic.map((t) => t[1] + t[5]);
  for (const x of tot) max = Math.max(max, x);
  run.traffic.forEach((t, i) => {
    const bps = tot[i] / Math.max(1e-9, run.virtual_s);
    rows.push([node(i), num(fmtN(t[0])), num(fmtN(t[1])), num(fmtN(t[2])), num(fmtN(t[3])), num(fmtN(t[4])), num(fmtN(t[5])),
        num(bps.toFixed(0)), h('td', {}, h('span', { class: 'bar', style: 'width:' + Math.round(tot[i] / max * 160) + 'px' }))]);
  });
  box.append(table('grid', ['node', 'UDP pkts sent', 'UDP bytes sent', 'pkts recv', 'bytes recv', 'TCP streams', 'TCP bytes sent', 'bytes/s sent', ''], rows));
}
function renderChecks(run) {
  const box = $('checks');
  box.textContent = '';
  box.append(h('p', {}, 'seed ' + run.seed + ': ' + (run.passed ? 'every checker as expected' : 'FAILED') + ' · trace hash ', h('code', {}, run.hash),
      ' · ' + fmtS(run.virtual_s) + ' virtual · ' + fmtN(run.messages) + ' messages, ' + fmtN(run.bytes) + ' bytes'));
  box.append(table('grid', ['checker', 'violations', 'status', 'first example'], run.checkers.map((c) => [c.name, num(c.violations),
      !c.enabled ? 'off' : c.expected_to_fail ? (c.ok ? 'failed as expected' : 'held, expected to fail') : (c.ok ? 'ok' : 'FAILED'), c.example])));
}
function renderSeed(k) {
  const run = D.runs[k];
  renderView(run);
  renderDeaths(run, k);
  renderTraffic(run);
  renderChecks(run);
}

const first = renderStatic();
renderSeed(first);
$('nxt').addEventListener('mousemove', onMove);
$('nxt').addEventListener('mouseleave', () => { $('tip').style.display = 'none'; });
window.addEventListener('hashchange', () => {
  const e = document.getElementById(location.hash.slice(1));
  if (e && e.tagName === 'DETAILS') e.open = true;
});
document.body.setAttribute('data-rendered', 'ok');
})();
)JS";

constexpr char kBody[] = R"HTML(
<pre id="errors" hidden></pre>
<h1 id="title"></h1>
<div class="sub" id="desc"></div>
<div class="sub" id="what"></div>
<h2>How the cluster saw each node</h2>
<div class="controls"><label>Run: <select id="seed"></select></label></div>
<div id="nxt"></div>
<div class="legend" style="margin-top:8px">
 <span><i style="background:var(--alive)"></i>alive</span><span><i style="background:var(--suspect)"></i>suspect</span>
 <span><i style="background:var(--dead)"></i>dead</span><span><i style="background:var(--left)"></i>left</span>
 <span><i style="background:var(--unknown)"></i>unknown to the observer</span>
 <span>strip on top: <i style="background:#1d2430;height:4px"></i>crashed <i style="background:#7a4fd0;height:4px"></i>paused <i style="background:#8a8f98;height:4px"></i>left</span>
 <span>▼ false death of this node</span>
</div>
<p class="note" id="viewnote"></p>
<h2>Timeline</h2>
<div id="table"></div>
<h2>Agreement over time and detection</h2>
<div class="plots"><div id="agreement"></div><div id="detection"></div></div>
<h2>False deaths (a live node declared dead)</h2>
<div id="deaths"></div>
<h2>Checkers</h2>
<div id="checks"></div>
<div id="expect"></div>
<h2>Traffic per node</h2>
<div id="traffic"></div>
<h2>Configuration used</h2>
<div id="config"></div>
<p class="note" id="network"></p>
<div id="tip"></div>
)HTML";

std::string ScriptSafe(std::string s) {
  // Inside <script>, "</" must not appear; "<\/" is the same JSON string.
  return absl::StrReplaceAll(s, {{"</", "<\\/"}});
}

}  // namespace

std::string HtmlReport(const Scenario& sc, const std::vector<RunResult>& runs,
                       const std::vector<ExpectationOutcome>& outcomes,
                       const std::vector<Timeline>& timelines,
                       const std::string& replay_prefix) {
  json d;
  d["name"] = sc.name;
  d["description"] = sc.description;
  d["path"] = sc.path;
  d["profile"] = sc.profile;
  d["size"] = sc.size;
  d["duration_s"] = absl::ToDoubleSeconds(sc.duration);
  d["replay"] = replay_prefix;
  bool pass = true;
  for (const RunResult& r : runs) pass = pass && r.passed;
  json ex = json::array();
  for (const ExpectationOutcome& e : outcomes) {
    pass = pass && e.held;
    std::string v = std::isfinite(e.value) ? absl::StrCat(e.value)
                    : std::isnan(e.value)  ? "n/a"
                                           : "never";
    if (std::isfinite(e.value) && e.expectation.is_duration)
      v = absl::StrCat(R3(e.value), " s");
    ex.push_back({{"metric", e.expectation.metric},
                  {"want", e.expectation.text},
                  {"value", v},
                  {"held", e.held}});
  }
  d["passed"] = pass;
  d["expectations"] = ex;
  json table = json::array();
  for (const TimelineRow& r : TimelineTable(sc, runs))
    table.push_back({r.at, r.action, r.what});
  d["table"] = table;
  d["config"] = ConfigRows(sc);
  d["network"] = absl::StrCat(
      "Network: loss ", sc.link.loss * 100, "%",
      sc.bandwidth_bytes_per_sec
          ? absl::StrCat(", bandwidth ", sc.bandwidth_bytes_per_sec,
                         " bytes/s per node")
          : std::string(),
      ". Scenario seeds: ", runs.size(), ".");
  json actions = json::array();
  for (size_t k = 0; k < sc.events.size(); ++k) {
    const ScheduledEvent& e = sc.events[k];
    std::string label = std::string(ActionKindName(e.action));
    if (!runs.empty() && k < runs[0].events.size()) {
      label = runs[0].events[k].label;
      label = label.substr(0, label.rfind(" @"));
    }
    const double t0 = absl::ToDoubleSeconds(e.at);
    actions.push_back(
        {{"t0", R3(t0)},
         {"t1", e.duration ? json(R3(t0 + absl::ToDoubleSeconds(*e.duration)))
                           : json(nullptr)},
         {"label", label},
         {"kind", std::string(ActionKindName(e.action))}});
  }
  d["actions"] = actions;
  d["agreement_svg"] = AgreementSvg(sc, runs);
  d["detection_svg"] = DetectionSvg(sc, runs);
  json jr = json::array();
  for (size_t k = 0; k < runs.size() && k < timelines.size(); ++k)
    jr.push_back(RunJson(runs[k], timelines[k]));
  d["runs"] = jr;

  std::string o;
  absl::StrAppend(
      &o,
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
      "charset=\"utf-8\">\n<title>swimsim: ",
      absl::StrReplaceAll(sc.name, {{"&", "&amp;"}, {"<", "&lt;"}}),
      "</title>\n<style>", kCss, "</style>\n<script>", kEarlyJs,
      "</script>\n</head>\n<body>\n", kBody,
      "<script type=\"application/json\" id=\"data\">",
      ScriptSafe(d.dump(-1, ' ', false, json::error_handler_t::replace)),
      "</script>\n<script>", kJs, "</script>\n</body>\n</html>\n");
  return o;
}

}  // namespace sim
