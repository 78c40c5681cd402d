// The examples table of the HTML report (html_report.py): filter, search, sort, pages.
// User text is only ever set as textContent.
(() => {
const D = JSON.parse(document.getElementById("report-data").textContent);
const E = D.evaluators, rows = D.examples, $ = (id) => document.getElementById(id);
const state = {filter: "all", query: "", key: null, dir: 1, page: 0};
const el = (tag, text, cls) => { const n = document.createElement(tag);
  if (text !== undefined && text !== null) n.textContent = String(text); if (cls) n.className = cls; return n; };
const fixed = (v) => (v === null || v === undefined) ? "-" : Number(v).toFixed(3);
const keys = {id: (r) => r.id, duration: (r) => r.duration_s, score: (r) => r.weighted_score,
  cost: (r) => r.cost_usd, tokens: (r) => (r.input_tokens || 0) + (r.output_tokens || 0)};
E.forEach((name, i) => { keys["e" + i] = (r) => r.scores[i] ? r.scores[i].value : null; });
const text = (r) => [r.id, r.input, r.output, r.error, r.expected, JSON.stringify(r.metadata),
  ...r.scores.map((s) => s ? [s.label, s.explanation, s.error_type].join(" ") : "")].join("\n").toLowerCase();
rows.forEach((r) => { r._text = text(r); });
function keep(r) {
  const f = state.filter;
  if (f === "failed" && r.passed !== false) return false;
  if (f === "passed" && r.passed !== true) return false;
  if (f === "errors" && !r.error && !r.scores.some((s) => s && s.error_type)) return false;
  if (f.startsWith("e") && f !== "errors") { const s = r.scores[Number(f.slice(1))];
    if (!s || s.passed === true) return false; }
  return !state.query || r._text.includes(state.query);
}
function visible() {
  const out = rows.filter(keep);
  if (state.key) { const get = keys[state.key];
    out.sort((a, b) => { const x = get(a), y = get(b);
      if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * state.dir; }); }
  return out;
}
function cell(tr, s) {
  if (!s) { tr.appendChild(el("td", "", "off")); return; }
  const kind = s.error_type ? "error" : (s.passed ? "pass" : "fail");
  const td = el("td", s.error_type || (fixed(s.value) + " " + (s.label || "")).trim(), kind);
  if (s.explanation) td.appendChild(el("div", s.explanation, "why"));
  tr.appendChild(td);
}
function pre(tr, value) { const td = el("td"); td.appendChild(el("pre", value)); tr.appendChild(td); }
function render() {
  const size = Number($("page-size").value), all = visible(), pages = Math.max(1, Math.ceil(all.length / size));
  state.page = Math.min(state.page, pages - 1);
  const body = $("examples-body"); body.replaceChildren();
  for (const r of all.slice(state.page * size, (state.page + 1) * size)) {
    const tr = el("tr");
    const id = el("td", r.attempt ? r.id + " #" + (r.attempt + 1) : r.id); tr.appendChild(id);
    const verdict = r.passed === null ? "-" : (r.passed ? "pass" : "fail");
    const v = el("td", verdict + " " + fixed(r.weighted_score), r.passed === null ? "off" : (r.passed ? "pass" : "fail"));
    tr.appendChild(v);
    pre(tr, r.input); pre(tr, r.output === null ? r.error : r.output); pre(tr, r.expected);
    r.scores.forEach((s) => cell(tr, s));
    const meta = el("td", null, "meta");
    for (const [k, val] of Object.entries(r.metadata)) meta.appendChild(el("div", k + ": " + val));
    tr.appendChild(meta);
    const usage = [r.duration_s.toFixed(2) + "s"];
    if (r.input_tokens !== null || r.output_tokens !== null) usage.push((r.input_tokens || 0) + "+" + (r.output_tokens || 0) + " tok");
    if (r.cost_usd !== null) usage.push("$" + r.cost_usd.toFixed(6));
    tr.appendChild(el("td", usage.join(" · "), "meta"));
    const trace = el("td");
    if (r.trace_id) { const code = el("code", r.trace_id);
      if (r.trace_href) { const a = el("a"); a.href = r.trace_href; a.appendChild(code); trace.appendChild(a); }
      else trace.appendChild(code); }
    tr.appendChild(trace);
    body.appendChild(tr);
  }
  const first = all.length ? state.page * size + 1 : 0;
  $("page-info").textContent = `${first}-${Math.min(all.length, (state.page + 1) * size)} of ${all.length}` +
    (all.length !== rows.length ? ` (filtered from ${rows.length})` : "") + `, page ${state.page + 1} of ${pages}`;
  $("prev").disabled = state.page === 0; $("next").disabled = state.page >= pages - 1;
  document.querySelectorAll("th.sort").forEach((th) => {
    th.dataset.mark = th.dataset.key === state.key ? (state.dir > 0 ? " ▲" : " ▼") : "";
    th.textContent = th.dataset.label + th.dataset.mark; });
}
$("filter").addEventListener("change", (e) => { state.filter = e.target.value; state.page = 0; render(); });
$("search").addEventListener("input", (e) => { state.query = e.target.value.toLowerCase(); state.page = 0; render(); });
$("page-size").addEventListener("change", () => { state.page = 0; render(); });
$("prev").addEventListener("click", () => { state.page -= 1; render(); });
$("next").addEventListener("click", () => { state.page += 1; render(); });
document.querySelectorAll("th.sort").forEach((th) => th.addEventListener("click", () => {
  state.dir = state.key === th.dataset.key ? -state.dir : 1; state.key = th.dataset.key; render(); }));
render();
document.body.dataset.ready = "true";
document.body.dataset.readyMs = String(Math.round(performance.now()));
})();
