// qgraph explorer: live search, questions and the query editor (through /sparql), and three
// pictures (network, timeline, map) drawn as SVG from /api/*. Written for qgraph; no library.
// Every value from the graph is put into the page with textContent or setAttribute, never as HTML.
"use strict";
(function () {
  // The prefixes come from the page (qgraph.vocab writes them once, for Python and this script).
  const PREFIXES = JSON.parse(document.body.dataset.prefixes || "{}");
  const QGID = PREFIXES["qgid:"] || "";
  const SVG = "http://www.w3.org/2000/svg";  // the XML namespace of SVG elements

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  // This server's page for an IRI; null when the IRI is not http(s) (it then stays plain text).
  function hrefFor(iri) {
    if (iri.startsWith(QGID) && /^[A-Za-z0-9._~-]+$/.test(iri.slice(QGID.length))) return "/id/" + iri.slice(QGID.length);
    if (/^https?:\/\/[^\s]+$/i.test(iri)) return "/resource?iri=" + encodeURIComponent(iri);
    return null;
  }
  function short(iri) {
    for (const [p, ns] of Object.entries(PREFIXES)) if (iri.startsWith(ns) && iri.length > ns.length) return p + iri.slice(ns.length);
    return iri;
  }
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
      box.replaceChildren(el("p", { class: "count" }, rows.length + (rows.length === 1 ? " row" : " rows") + " · " + ms + " ms"),
        el("div", { class: "scroll" }, table));
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

  // ---------------------------------------------------------------- network (a small force layout)
  const KIND_COLOUR = { nation: "#2f6fb3", forum: "#c0562b", agreement: "#3c8f4f", institution: "#7b4fa8" };
  function layout(nodes, links, w, h) {
    const n = nodes.length, idx = new Map(nodes.map((d, i) => [d.id, i]));
    const kinds = ["nation", "forum", "agreement", "institution"];
    nodes.forEach((d, i) => { // deterministic start: kinds on rings
      const k = Math.max(0, kinds.indexOf(d.kind)), a = 2 * Math.PI * i / n;
      const r = [0.42, 0.12, 0.25, 0.33][k] * Math.min(w, h);
      d.x = w / 2 + r * Math.cos(a); d.y = h / 2 + r * Math.sin(a); d.vx = 0; d.vy = 0;
    });
    const E = links.map(l => [idx.get(l.source), idx.get(l.target), l.linked ? 0.3 : 1]);
    const deg = new Array(n).fill(0); E.forEach(([a, b]) => { deg[a]++; deg[b]++; });
    for (let it = 0; it < 400; it++) {
      const alpha = 1 - it / 400;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
        let dx = nodes[j].x - nodes[i].x, dy = nodes[j].y - nodes[i].y, d2 = dx * dx + dy * dy || 0.01;
        const f = 6000 / d2 * alpha, d = Math.sqrt(d2);
        dx /= d; dy /= d;
        nodes[i].vx -= dx * f; nodes[i].vy -= dy * f; nodes[j].vx += dx * f; nodes[j].vy += dy * f;
      }
      for (const [a, b, s] of E) {
        const A = nodes[a], B = nodes[b];
        let dx = B.x - A.x, dy = B.y - A.y; const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
        const f = (d - 140) * 0.02 * s * alpha / Math.max(1, Math.min(deg[a], deg[b]) / 2);
        dx /= d; dy /= d;
        A.vx += dx * f; A.vy += dy * f; B.vx -= dx * f; B.vy -= dy * f;
      }
      for (const d of nodes) {
        d.vx += (w / 2 - d.x) * 0.004 * alpha; d.vy += (h / 2 - d.y) * 0.004 * alpha;
        d.vx *= 0.6; d.vy *= 0.6;
        d.x += Math.max(-30, Math.min(30, d.vx)); d.y += Math.max(-30, Math.min(30, d.vy));
      }
    }
  }
  function drawNetwork(box, data) {
    const w = 1000, h = 700;
    const nodes = data.nodes.map(d => Object.assign({}, d)), links = data.links;
    if (!nodes.length) { box.replaceChildren(el("p", { class: "none" }, "No nations, forums, agreements or institutions in the graph.")); return; }
    layout(nodes, links, w, h);
    // fit the layout into the frame (labels keep their size; room on the right for them)
    const xs = nodes.map(d => d.x), ys = nodes.map(d => d.y);
    const [ax, bx, ay, by] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (const d of nodes) {
      d.x = 30 + (d.x - ax) / ((bx - ax) || 1) * (w - 230);
      d.y = 25 + (d.y - ay) / ((by - ay) || 1) * (h - 50);
    }
    const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "network-svg", role: "img", "aria-label": "network of nations, forums, agreements and institutions" });
    const byId = new Map(nodes.map(d => [d.id, d]));
    const lineOf = new Map();
    const gl = svg("g", { class: "links" });
    for (const l of links) {
      const a = byId.get(l.source), b = byId.get(l.target);
      const line = svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: l.linked ? "link linked" : "link" }, svg("title", {}, a.label + " — " + l.label + " — " + b.label));
      gl.append(line);
      (lineOf.get(a.id) || lineOf.set(a.id, []).get(a.id)).push([line, 1]);
      (lineOf.get(b.id) || lineOf.set(b.id, []).get(b.id)).push([line, 2]);
    }
    const gn = svg("g", { class: "nodes" });
    for (const d of nodes) {
      const r = d.kind === "nation" ? 7 : 9;
      const g = svg("g", { class: "node kind-" + d.kind, transform: `translate(${d.x},${d.y})` });
      const shape = d.kind === "agreement" ? svg("rect", { x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 2, fill: KIND_COLOUR[d.kind] })
        : svg("circle", { r: r, fill: KIND_COLOUR[d.kind] || "#777" });
      shape.append(svg("title", {}, d.label + " (" + d.kind + ")"));
      const a = svg("a", { href: d.href }, svg("text", { x: r + 4, y: 4, class: "nlabel" }, d.label.length > 34 ? d.label.slice(0, 32) + "…" : d.label));
      g.append(shape, a);
      gn.append(g);
      // drag to rearrange
      shape.addEventListener("pointerdown", ev => {
        ev.preventDefault(); shape.setPointerCapture(ev.pointerId);
        const pt = s.createSVGPoint();
        const move = e => {
          pt.x = e.clientX; pt.y = e.clientY;
          const p = pt.matrixTransform(s.getScreenCTM().inverse());
          d.x = p.x; d.y = p.y; g.setAttribute("transform", `translate(${d.x},${d.y})`);
          for (const [line, end] of lineOf.get(d.id) || []) { line.setAttribute("x" + end, d.x); line.setAttribute("y" + end, d.y); }
        };
        shape.addEventListener("pointermove", move);
        shape.addEventListener("pointerup", () => shape.removeEventListener("pointermove", move), { once: true });
      });
    }
    s.append(gl, gn);
    const legend = el("p", { class: "legend" }, ...Object.entries(KIND_COLOUR).map(([k, c]) =>
      el("span", { class: "key key-" + k }, k + " (" + nodes.filter(d => d.kind === k).length + ")")),
      el("span", { class: "key key-linked" }, "linked data only"));
    box.replaceChildren(legend, s);
  }

  // ---------------------------------------------------------------- timeline
  const EVENT_COLOUR = { meeting: "#c0562b", "document issued": "#3c8f4f", published: "#3c8f4f", signature: "#2f6fb3",
    "membership attested": "#7b4fa8", "office attested": "#a0487a", announcement: "#b8860b", start: "#777" };
  function drawTimeline(box, data) {
    const ev = data.events;
    if (!ev.length) { box.replaceChildren(el("p", { class: "none" }, "No dated events in the documents.")); return; }
    const row = 28, top = 20, w = 1000, h = top + ev.length * row + 20;
    const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "timeline-svg", role: "img", "aria-label": "timeline of dated events" });
    s.append(svg("line", { x1: 150, y1: top - 10, x2: 150, y2: h - 10, class: "axis" }));
    let last = null;
    ev.forEach((e, i) => {
      const y = top + i * row + row / 2;
      if (e.date !== last) {
        s.append(svg("text", { x: 135, y: y + 4, class: "date", "text-anchor": "end" }, e.date));
        if (last && last.slice(0, 4) !== e.date.slice(0, 4)) s.append(svg("line", { x1: 20, y1: y - row / 2, x2: w - 20, y2: y - row / 2, class: "yearbreak" }));
        last = e.date;
      }
      s.append(svg("circle", { cx: 150, cy: y, r: 6, fill: EVENT_COLOUR[e.kind] || "#777" }, svg("title", {}, e.kind)));
      const t = e.title.length > 84 ? e.title.slice(0, 82) + "…" : e.title;
      const a = svg("a", { href: e.href }, svg("text", { x: 165, y: y + 4, class: "etitle" }, t, svg("title", {}, e.title)));
      s.append(a, svg("text", { x: w - 20, y: y + 4, class: "ekind", "text-anchor": "end" }, e.kind + " · " + e.document));
    });
    const kinds = [...new Set(ev.map(e => e.kind))];
    const legend = el("p", { class: "legend" }, ...kinds.map(k => el("span", { class: "key ev-" + k.replace(/\W+/g, "-") }, k)));
    box.replaceChildren(legend, s);
  }

  // ---------------------------------------------------------------- map (equirectangular, graticule)
  function drawMap(box, data) {
    const pts = data.points;
    if (!pts.length) {
      box.replaceChildren(el("p", { class: "none" }, "No coordinates yet: the linked data (the enrichment graph) has no coordinates for the nations or places of this graph."));
      return;
    }
    const w = 1000, h = 500, X = lon => (lon + 180) / 360 * w, Y = lat => (90 - lat) / 180 * h;
    const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "map-svg", role: "img", "aria-label": "map of nations and places" });
    s.append(svg("rect", { x: 0, y: 0, width: w, height: h, class: "sea" }));
    for (let lon = -180; lon <= 180; lon += 30) s.append(svg("line", { x1: X(lon), y1: 0, x2: X(lon), y2: h, class: "grat" }));
    for (let lat = -90; lat <= 90; lat += 30) s.append(svg("line", { x1: 0, y1: Y(lat), x2: w, y2: Y(lat), class: lat === 0 ? "grat equator" : "grat" }));
    for (let lon = -180; lon < 180; lon += 60) s.append(svg("text", { x: X(lon) + 3, y: h - 6, class: "gratlabel" }, lon + "°"));
    const placed = [];
    for (const p of pts) {
      const x = X(p.lon), y = Y(p.lat);
      let dy = 4; // nudge labels that would overlap
      while (placed.some(([px, py]) => Math.abs(px - x) < 90 && Math.abs(py - (y + dy)) < 13)) dy += 13;
      placed.push([x, y + dy]);
      const g = svg("g", { class: "place kind-" + p.kind });
      g.append(svg("circle", { cx: x, cy: y, r: 5 }, svg("title", {}, p.label + (p.capital ? " — capital " + p.capital : "") + " (" + p.lat + ", " + p.lon + ")")));
      if (dy !== 4) g.append(svg("line", { x1: x, y1: y, x2: x + 40, y2: y + dy - 4, class: "leader" }));
      g.append(svg("a", { href: p.href }, svg("text", { x: dy !== 4 ? x + 44 : x + 8, y: y + dy, class: "plabel" }, p.label)));
      s.append(g);
    }
    box.replaceChildren(s, el("p", { class: "about" }, pts.length + " places with coordinates (points from the linked data; no base map is drawn: the grid shows longitude and latitude every 30°)."));
  }

  async function setupPictures() {
    const draw = { network: drawNetwork, timeline: drawTimeline, map: drawMap };
    for (const box of document.querySelectorAll(".canvas[data-src]")) {
      try {
        const res = await fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" } });
        if (!res.ok) throw new Error(res.status + " " + res.statusText);
        draw[box.id](box, await res.json());
      } catch (e) { box.replaceChildren(el("p", { class: "error" }, "Could not draw this picture: " + e.message)); }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupSearch(); setupQueries(); setupPictures();
  });
})();
