// qgraph explorer: live search, questions and the query editor (through /sparql). A SELECT
// result is shown as a table and announced with the "qgraph:result" event, for static/views.js
// (the "show as" bar); views.js also draws the three pictures (network, timeline, map) from /api/*.
// Every value from the graph is put into the page with textContent or setAttribute, never as HTML.
"use strict";
(function () {
  // The prefixes come from the page (qgraph.vocab writes them once, for Python and this script).
  const PREFIXES = JSON.parse(document.body.dataset.prefixes || "{}");
  const QGID = PREFIXES["qgid:"] || "";

  const { el } = window.qgraphCommon;
  // This server's page for an IRI; null when the IRI is not http(s) (it then stays plain text).
  const hrefFor = iri => window.qgraphCommon.hrefFor(iri, QGID);
  const short = iri => window.qgraphCommon.short(iri, PREFIXES);
  function iriLink(iri, text) {
    const h = hrefFor(iri);
    return h ? el("a", { href: h, title: iri }, text || short(iri)) : el("span", { class: "inert", title: iri }, text || iri);
  }

  // ---------------------------------------------------------------- search
  function setupSearch() {
    const input = document.getElementById("search");
    const list = document.getElementById("search-results");
    const form = document.getElementById("search-form");
    if (!input || !list) return;
    let timer = null, seq = 0;
    async function run() {
      const q = input.value.trim();
      const my = ++seq;
      if (!q) { list.replaceChildren(); return; }
      const res = await fetch("/api/search?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } });
      if (my !== seq) return;
      const hits = res.ok ? await res.json() : [];
      list.replaceChildren(...hits.map(h => el("li", {}, el("a", { href: h.href, class: "hit", title: h.iri }, h.label),
        " ", el("span", { class: "types" }, h.types.join(", ")),
        h.matched !== h.label ? el("span", { class: "matched" }, " (" + h.matched + ")") : null)));
      if (!hits.length) list.replaceChildren(el("li", { class: "none" }, "No label contains “" + q + "”."));
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
    form.addEventListener("submit", ev => { ev.preventDefault(); clearTimeout(timer); run(); });
  }

  // ---------------------------------------------------------------- queries
  function cell(term) {
    if (!term) return el("td", { class: "unbound" }, "");
    if (term.type === "uri") return el("td", {}, iriLink(term.value));
    if (term.type === "bnode") return el("td", { class: "inert" }, "_:" + term.value);
    const td = el("td", {}, el("span", { class: "lit" }, term.value));
    if (term["xml:lang"]) td.append(el("span", { class: "lang" }, "@" + term["xml:lang"]));
    else if (term.datatype) td.append(el("span", { class: "dt" }, short(term.datatype)));
    return td;
  }
  async function runQuery(text, box) {
    box.replaceChildren(el("p", { class: "loading" }, "Running…"));
    const t0 = performance.now();
    let res;
    try {
      res = await fetch("/sparql", {
        method: "POST", body: text,
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
      });
    } catch (e) { box.replaceChildren(el("p", { class: "error" }, "The server did not answer: " + e)); return; }
    const ms = Math.round(performance.now() - t0);
    const ctype = res.headers.get("Content-Type") || "";
    if (!res.ok) { box.replaceChildren(el("p", { class: "error" }, res.status + ": " + (await res.text()))); return; }
    if (ctype.includes("json")) {
      const data = await res.json();
      if ("boolean" in data) { box.replaceChildren(el("p", { class: "boolean" }, data.boolean ? "Yes (true)" : "No (false)")); return; }
      const vars = data.head.vars, rows = data.results.bindings;
      const table = el("table", { class: "results" },
        el("thead", {}, el("tr", {}, ...vars.map(v => el("th", {}, "?" + v)))),
        el("tbody", {}, ...rows.map(b => el("tr", {}, ...vars.map(v => cell(b[v]))))));
      const shown = el("div", { class: "scroll" }, table), views = el("div", { class: "views" });
      box.replaceChildren(el("p", { class: "count" }, rows.length + (rows.length === 1 ? " row" : " rows") + " · " + ms + " ms"),
        views, shown);
      // the views (static/views.js) put their "Show as" bar into `container`, above the table
      document.dispatchEvent(new CustomEvent("qgraph:result", { detail: { result: data, container: views, table: shown } }));
    } else {
      box.replaceChildren(el("p", { class: "count" }, ms + " ms"), el("pre", { class: "rdf" }, await res.text()));
    }
  }
  function setupQueries() {
    for (const b of document.querySelectorAll("button.run")) {
      b.addEventListener("click", () => {
        const li = b.closest("li.question");
        runQuery(li.querySelector("pre.qtext").textContent, li.querySelector(".qresult"));
      });
    }
    const area = document.getElementById("query-text");
    for (const b of document.querySelectorAll("button.edit")) {
      b.addEventListener("click", () => {
        area.value = b.closest("li.question").querySelector("pre.qtext").textContent;
        document.getElementById("query").scrollIntoView({ behavior: "smooth" });
        area.focus();
      });
    }
    const form = document.getElementById("query-form");
    if (form) form.addEventListener("submit", ev => { ev.preventDefault(); runQuery(area.value, document.getElementById("query-result")); });
  }

  async function setupPictures() {
    if (!window.qgraphViews) return;  // a page without the pictures' libraries
    for (const box of document.querySelectorAll(".canvas[data-src]")) {
      try {
        const res = await fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" } });
        if (!res.ok) throw new Error(res.status + " " + res.statusText);
        await window.qgraphViews.picture(box.id, box, await res.json());
      } catch (e) { box.replaceChildren(el("p", { class: "error" }, "Could not draw this picture: " + e.message)); }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupSearch(); setupQueries(); setupPictures();
  });
})();
