// qgraph views: the three pictures (network, timeline, map) and the "show as" views of any SPARQL
// SELECT result, drawn with the vendored libraries (static/vendor/: vis-network, vis-timeline,
// Leaflet with Natural Earth outlines through topojson-client). Written for qgraph.
//
//   window.qgraphViews = {kinds(result), render(element, kind, result, opts), lookup(result), picture(kind, box, data)}
//
// It listens for the explorer's result event (see notes/AGREEMENT.md):
//   document.dispatchEvent(new CustomEvent("qgraph:result", {detail: {result, container, table}}))
// and fills `container` with a "Show as: Table | Map | Graph | Timeline" bar.
// Every value from the graph goes into the page as text (textContent, setAttribute, or an Element
// handed to a library), never as HTML.
"use strict";
(function () {
  const PREFIXES = JSON.parse(document.body.dataset.prefixes || "{}");
  const QGID = PREFIXES["qgid:"] || "";
  const XSD = PREFIXES["xsd:"] || "";  // the namespaces come from the page (qgraph.vocab writes them once)
  const DATE_TYPES = new Set(["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth", "gMonthDay"].map(t => XSD + t));
  const NUMERIC = new Set(["decimal", "double", "float", "integer", "int", "long", "short", "nonNegativeInteger"].map(t => XSD + t));
  const WKT = /^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s+(-?[\d.]+(?:[eE][-+]?\d+)?)\s*\)\s*$/i;
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const KIND_COLOUR = { nation: "#2f6fb3", forum: "#c0562b", agreement: "#3c8f4f", statement: "#2a8a8a", institution: "#7b4fa8" };
  const LOOKUP_CHUNK = 100;  // IRIs per /api/coordinates or /api/labels request (the server takes 200)

  const { el } = window.qgraphCommon;
  const hrefFor = iri => window.qgraphCommon.hrefFor(iri, QGID);
  const short = iri => window.qgraphCommon.short(iri, PREFIXES);
  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }
  function go(href) { if (href) window.location.assign(href); }

  // ---------------------------------------------------------------- the pictures as lists
  // A picture is drawn for the mouse; what it shows is also a list of links under it, for the
  // keyboard and screen readers: a <details> "What this picture shows, as a list (…)".
  function shownAsList(count, items) {
    return el("details", { class: "qg-list" },
      el("summary", {}, "What this picture shows, as a list (" + count + ")"),
      el("ul", {}, ...items));
  }
  function linkOr(text, href) { return href ? el("a", { href }, text) : el("span", { class: "inert" }, text); }
  const byText = (a, b) => a.localeCompare(b, undefined, { sensitivity: "base" });
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // ---------------------------------------------------------------- dates
  // A lexical date as the graph states it → {start: Date (UTC), text, yearStated}. A gMonthDay
  // ("--07-28": the text gives no year) is never given a year: yearStated false, start null.
  function parseDate(value) {
    const v = String(value).trim();
    let m = /^--(\d\d)-(\d\d)/.exec(v);
    if (m) return { start: null, yearStated: false, text: (+m[2]) + " " + MONTHS[+m[1] - 1] };
    m = /^(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?/.exec(v);
    if (!m) return null;
    const y = +m[1], mo = m[2] ? +m[2] : 1, d = m[3] ? +m[3] : 1;
    const start = new Date(Date.UTC(0, mo - 1, d));
    start.setUTCFullYear(y);
    const text = m[3] ? `${d} ${MONTHS[mo - 1]} ${y}` : m[2] ? `${MONTHS[mo - 1]} ${y}` : String(y);
    return { start, yearStated: true, text };
  }

  // ---------------------------------------------------------------- the network (vis-network)
  // nodes: [{id, label, group, href, title}]; edges: [{from, to, label, dashes}]. Parallel edges
  // between the same two nodes are drawn as one, their labels joined; so are A→B and B→A when
  // their labels agree (one edge, an arrow at each end).
  function drawNetwork(box, nodes, edges, opts) {
    opts = opts || {};
    const merged = new Map();
    for (const e of edges) {
      const key = e.from + "\u0000" + e.to;
      const m = merged.get(key);
      if (!m) merged.set(key, { from: e.from, to: e.to, labels: e.label ? [e.label] : [], dashes: !!e.dashes });
      else { if (e.label && !m.labels.includes(e.label)) m.labels.push(e.label); m.dashes = m.dashes && !!e.dashes; }
    }
    // the list under the picture: each node, its page, and the links from it (as the data gives them)
    const byId = new Map(nodes.map(n => [n.id, n]));
    const out = new Map();
    for (const e of merged.values()) { if (!out.has(e.from)) out.set(e.from, []); out.get(e.from).push(e); }
    const name = id => (byId.get(id) || { label: id }).label;
    const list = shownAsList(plural(nodes.length, "node", "nodes") + ", " + plural(edges.length, "link", "links"),
      nodes.slice().sort((a, b) => byText(a.label, b.label)).map(n => {
        const from = (out.get(n.id) || []).slice().sort((a, b) => byText(name(a.to), name(b.to)));
        return el("li", {}, linkOr(n.label, n.href), KIND_COLOUR[n.group] ? el("span", { class: "note" }, " · " + n.group) : null,
          from.length ? el("ul", {}, ...from.map(e => el("li", {}, (e.labels.join(" · ") || "link") + " → ",
            linkOr(name(e.to), (byId.get(e.to) || {}).href), e.dashes ? el("span", { class: "note" }, " (linked data only)") : null))) : null);
      }));
    // A→B and B→A with the same labels (a symmetric relation, e.g. partners) are one edge with an
    // arrow at each end.
    const both = new Set();
    for (const [key, e] of merged) {
      const back = merged.get(e.to + "\u0000" + e.from);
      if (back && back !== e && !both.has(back) && back.dashes === e.dashes
          && back.labels.slice().sort().join("\u0000") === e.labels.slice().sort().join("\u0000")) {
        both.add(e);
        merged.delete(e.to + "\u0000" + e.from);
      }
    }
    const visEdges = [...merged.values()].map((e, i) => {
      const full = e.labels.join(" · ");
      const arrows = both.has(e) && opts.arrows ? { to: { enabled: true, scaleFactor: 0.5 }, from: { enabled: true, scaleFactor: 0.5 } } : undefined;
      return { id: "e" + i, from: e.from, to: e.to, label: full ? clip(full, 40) : undefined, dashes: e.dashes, arrows,
        title: full ? el("span", {}, full) : undefined, color: e.dashes ? { color: "#b7c0cc" } : undefined };
    });
    const visNodes = nodes.map(n => ({ id: n.id, label: clip(n.label, 34), group: n.group,
      title: el("span", {}, n.title || n.label), href: n.href }));
    const hrefs = new Map(visNodes.map(n => [n.id, n.href]));
    // a text alternative for the canvas (it had none): what it draws, and where the same facts are read
    const frame = el("div", { class: "qg-network", role: "img",
      "aria-label": "Network of " + nodes.length + " nodes and " + edges.length + " links; the list below it names each node, its links and its page" });
    box.replaceChildren(...(opts.before || []), frame, list, ...(opts.after || []));
    const groups = {};
    for (const [k, c] of Object.entries(KIND_COLOUR)) groups[k] = { color: { background: c, border: "#ffffff", highlight: { background: c, border: "#1d2330" } } };
    groups.from = { color: { background: "#2f6fb3", border: "#ffffff" } };
    groups.to = { color: { background: "#c0562b", border: "#ffffff" } };
    groups.agreement.shape = "square";
    groups.statement.shape = "diamond";
    groups.institution.shape = "triangle";
    groups.nation.font = { size: 14, face: "system-ui, sans-serif", color: "#1d2330", strokeWidth: 3, strokeColor: "#ffffff" };
    const network = new vis.Network(frame, { nodes: visNodes, edges: visEdges }, {
      autoResize: true,
      layout: { randomSeed: 7, improvedLayout: visNodes.length < 150 },
      nodes: { shape: "dot", size: 10, borderWidth: 1.5, font: { size: 12, face: "system-ui, sans-serif", color: "#1d2330", strokeWidth: 3, strokeColor: "#ffffff" },
        color: { background: "#777", border: "#ffffff" } },
      groups,
      edges: { width: 1.1, color: { color: "#9aa6b8", highlight: "#1d2330", hover: "#5d6676" }, arrows: { to: { enabled: !!opts.arrows, scaleFactor: 0.5 } },
        font: { size: 10, face: "system-ui, sans-serif", color: "#5d6676", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
        smooth: { enabled: true, type: "continuous", roundness: 0.3 } },
      physics: { solver: "forceAtlas2Based", forceAtlas2Based: { gravitationalConstant: -110, springLength: 140, centralGravity: 0.008, avoidOverlap: 0.5 },
        stabilization: { enabled: true, iterations: 400, fit: true } },
      interaction: { hover: true, navigationButtons: true, keyboard: false, tooltipDelay: 150, zoomView: true, dragView: true },
    });
    // once laid out, the nodes stay where they are (a dragged node stays where it is dropped)
    network.once("stabilizationIterationsDone", () => { network.setOptions({ physics: false }); frame.dataset.ready = "1"; });
    network.on("click", p => { if (p.nodes.length === 1) go(hrefs.get(p.nodes[0])); });
    frame.qgraph = network;  // for the browser tests: the library's own object
    return network;
  }

  function networkPicture(box, data) {
    if (!data.nodes.length) { box.replaceChildren(el("p", { class: "none" }, "No nations, forums, agreements, joint statements or institutions in the graph.")); return; }
    const nodes = data.nodes.map(d => ({ id: d.id, label: d.label, group: d.kind, href: d.href, title: d.label + " (" + d.kind + ")" }));
    const edges = data.links.map(l => ({ from: l.source, to: l.target, label: l.label, dashes: l.linked }));
    const legend = el("p", { class: "legend" }, ...Object.keys(KIND_COLOUR).map(k =>
      el("span", { class: "key key-" + k }, k + " (" + data.nodes.filter(d => d.kind === k).length + ")")),
      el("span", { class: "key key-linked" }, "linked data only"));
    drawNetwork(box, nodes, edges, { before: [legend] });
  }

  // ---------------------------------------------------------------- the timeline (vis-timeline)
  // events: [{date (lexical), group, title, href, note}]. Events of the same group on the same
  // date (and the same `key`, e.g. the document) become one item with a count; the days without
  // a year are listed apart.
  function drawTimeline(box, events, opts) {
    opts = opts || {};
    const buckets = new Map(), undated = [], placed = new Map();  // placed: a row's events drawn
    for (const e of events) {
      const d = parseDate(e.date);
      if (!d) continue;
      if (!d.yearStated) { undated.push(Object.assign({ when: d.text }, e)); continue; }
      placed.set(e.group, (placed.get(e.group) || 0) + 1);
      const key = [e.date, e.group, e.key || ""].join("\u0000");
      if (!buckets.has(key)) buckets.set(key, { date: d, group: e.group, events: [] });
      buckets.get(key).events.push(e);
    }
    const groupNames = [...new Set(events.map(e => e.group))];
    const items = [];
    for (const b of buckets.values()) {
      const n = b.events.length, titles = b.events.map(e => e.title);
      // "Australia: member of X", "Canada: member of X", … → "member of X"
      const tails = titles.map(t => t.includes(": ") ? t.slice(t.indexOf(": ") + 2) : null);
      const common = n > 1 && tails.every(t => t !== null && t === tails[0]) ? tails[0] : null;
      const text = n === 1 ? titles[0] : common ? common
        : titles.every(t => t.length <= 24) ? titles.join(", ") : b.group;
      const content = el("span", { class: "qg-item", title: b.date.text + "\n" + titles.join("\n") }, clip(text, 36));
      if (n > 1) content.append(" ", el("span", { class: "qg-count" }, "×" + n));
      items.push({ id: items.length, group: groupNames.indexOf(b.group), start: b.date.start, content, type: "box",
        className: n > 1 ? "qg-grouped" : "qg-single", bucket: b });
    }
    const details = el("div", { class: "qg-details", "aria-live": "polite" },
      el("p", { class: "hint" }, "Click an item to list its events."));
    const frame = el("div", { class: "qg-timeline" });
    // the list under the picture: each item as drawn, in time order, with the pages of its events
    const drawn = [...buckets.values()].sort((a, b) => a.date.start - b.date.start || groupNames.indexOf(a.group) - groupNames.indexOf(b.group));
    const event = e => [linkOr(e.title, e.href), e.note ? el("span", { class: "note" }, " · " + e.note) : null];
    const list = shownAsList(plural(drawn.reduce((n, b) => n + b.events.length, 0), "event", "events"),
      drawn.map(b => el("li", {}, el("span", { class: "when" }, b.date.text), " · " + b.group + ": ",
        ...(b.events.length === 1 ? event(b.events[0])
          : ["(" + b.events.length + ")", el("ul", {}, ...b.events.map(e => el("li", {}, ...event(e))))]))));
    const parts = [...(opts.before || [])];
    if (items.length) parts.push(frame, details, list);
    else parts.push(el("p", { class: "none" }, "No dated event with a year."));
    if (undated.length) {
      parts.push(el("div", { class: "qg-undated" }, el("h3", {}, "Year not stated in the source (" + undated.length + ")"),
        el("p", { class: "hint" }, "The texts give these days without a year; they are not placed on the timeline."),
        el("ul", {}, ...undated.map(e => el("li", {}, el("span", { class: "when" }, e.when + ", year not stated"), " · ",
          e.href ? el("a", { href: e.href }, e.title) : e.title, e.note ? el("span", { class: "note" }, " · " + e.note) : null)))));
    }
    box.replaceChildren(...parts, ...(opts.after || []));
    if (!items.length) return null;
    // a row counts what it draws: "meeting (7)" over four meetings (three listed apart, no year)
    const groups = groupNames.map((g, i) => ({ id: i, content: g + " (" + (placed.get(g) || 0) + ")" }));
    const starts = items.map(i => i.start.getTime());
    // room on the right for the boxes, which start at their date
    const span = Math.max(60 * 864e5, Math.max(...starts) - Math.min(...starts));
    const timeline = new vis.Timeline(frame, items, groups, {
      stack: true, zoomable: true, moveable: true, orientation: { axis: "top", item: "top" }, margin: { item: { horizontal: 4, vertical: 6 } },
      align: "left", start: new Date(Math.min(...starts) - span * 0.08), end: new Date(Math.max(...starts) + span * 0.15),
      zoomMin: 7 * 864e5, showCurrentTime: false,
      moment: date => vis.moment(date).utc(), selectable: true, groupOrder: "id",
    });
    timeline.on("select", p => {
      const it = items.find(i => i.id === p.items[0]);
      if (!it) return;
      const b = it.bucket;
      details.replaceChildren(el("h3", {}, b.date.text + " · " + b.group + (b.events.length > 1 ? " (" + b.events.length + ")" : "")),
        el("ul", {}, ...b.events.map(e => el("li", {}, e.href ? el("a", { href: e.href }, e.title) : e.title,
          e.note ? el("span", { class: "note" }, " · " + e.note) : null))));
    });
    // The boxes are as wide as their text whatever the scale: widen the window until the last one
    // fits (a few redraws at most), then the timeline is ready (the tests wait for it).
    function fit(tries) {
      const center = frame.querySelector(".vis-panel.vis-center");
      let over = 0;
      for (const it of frame.querySelectorAll(".vis-item.vis-box")) over = Math.max(over, it.getBoundingClientRect().right - center.getBoundingClientRect().right);
      if (over <= 0 || tries === 0 || !center.clientWidth) { frame.dataset.ready = "1"; return; }
      const w = timeline.getWindow(), perPx = (w.end - w.start) / center.clientWidth;
      // never wider than the dates and as much again: in a narrow window the boxes cannot all fit,
      // and widening for them took a 2019-2026 timeline to the year 6997, every event at its left edge
      const most = Math.max(...starts) + span;
      const end = Math.min(w.end.getTime() + (over + 24) * perPx * 1.5, most);
      if (end <= w.end.getTime()) { frame.dataset.ready = "1"; return; }
      timeline.once("changed", () => fit(tries - 1));
      timeline.setWindow(w.start, new Date(end), { animation: false });
    }
    timeline.once("changed", () => fit(4));
    frame.qgraph = timeline;
    return timeline;
  }

  function timelinePicture(box, data) {
    const ev = data.events;
    if (!ev.length) { box.replaceChildren(el("p", { class: "none" }, "No dated events in the documents.")); return; }
    drawTimeline(box, ev.map(e => ({ date: e.date, group: e.kind, title: e.title, href: e.href, key: e.document, note: e.document })));
  }

  // ---------------------------------------------------------------- the map (Leaflet + Natural Earth)
  let countries = null;  // one fetch of the outlines per page
  function loadCountries() {
    if (!countries) {
      countries = fetch("/static/vendor/world-atlas/countries-110m.json").then(r => {
        if (!r.ok) throw new Error("country outlines: " + r.status);
        return r.json();
      }).then(world => {
        const fc = topojson.feature(world, world.objects.countries);
        for (const f of fc.features) if (f.geometry) unwrap(f.geometry);
        return fc;
      });
    }
    return countries;
  }
  // Rings that cross the antimeridian (Russia, Fiji, Antarctica) jump from 180° to -180°; on
  // Leaflet's flat map that draws a line across the world. Make each ring continuous instead.
  function unwrap(geometry) {
    const rings = geometry.type === "Polygon" ? geometry.coordinates
      : geometry.type === "MultiPolygon" ? geometry.coordinates.flat() : [];
    for (const ring of rings) {
      let shift = 0;
      for (let i = 1; i < ring.length; i++) {
        const jump = ring[i][0] + shift - ring[i - 1][0];
        if (jump > 180) shift -= 360; else if (jump < -180) shift += 360;
        ring[i] = [ring[i][0] + shift, ring[i][1]];
      }
    }
  }
  const SIDES = ["right", "left", "top", "bottom"];
  const OFFSET = { right: [7, 0], left: [-7, 0], top: [0, -5], bottom: [0, 5] };
  function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }

  // points: [{lat, lon, label, href, title, kind, note}], drawn in this order of priority for the labels
  async function drawMap(box, points, opts) {
    opts = opts || {};
    const frame = el("div", { class: "qg-map", role: "region",
      "aria-label": "Map of " + plural(points.length, "point", "points") + ": arrow keys pan, + and − zoom, Tab reaches each point and Enter opens its page; the list below it names every point" });
    const note = el("p", { class: "about qg-map-note" });
    const list = shownAsList(plural(points.length, "point", "points"),
      points.slice().sort((a, b) => byText(a.label, b.label)).map(p => el("li", {}, linkOr(p.label, p.href),
        el("span", { class: "note" }, " · " + [KIND_COLOUR[p.kind] ? p.kind : null, p.note, p.lat + ", " + p.lon].filter(Boolean).join(" · ")))));
    box.replaceChildren(...(opts.before || []), frame, note, list, ...(opts.after || []));
    // trackResize off: the frame's own ResizeObserver (below) tells Leaflet of every new size
    const map = L.map(frame, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 1, maxZoom: 9, worldCopyJump: false,
      maxBounds: [[-89, -220], [89, 220]], maxBoundsViscosity: 0.8, trackResize: false });
    frame.qgraph = map;
    map.attributionControl.addAttribution("Country outlines: Natural Earth 1:110m (public domain), via world-atlas");
    // the view first: Leaflet adds layers to a map only once it has one. Every point in frame: in
    // a narrow window (375 px) the points need a zoom below the usual least (1: the world 512 px
    // wide), which fitBounds was held to, and the points at the edges were left out of view.
    const bounds = points.length ? L.latLngBounds(points.map(p => [p.lat, p.lon])).pad(0.12) : null;
    // Again when the frame changes size (below), unless the user has panned or zoomed the map
    // since: their own view is not taken away. moved: set by any move but those fit() makes.
    let fitting = false, moved = false, size = "";
    map.on("movestart zoomstart", () => { if (!fitting) moved = true; });
    function fit() {
      fitting = true;
      size = frame.clientWidth + "x" + frame.clientHeight;  // the size fitted (or kept) for
      map.invalidateSize();  // (before the map has a view: nothing to do)
      map.options.minZoom = -2;  // the zoom the points need, unclamped (no tiles: any zoom draws)
      let least = frame.clientWidth && frame.clientHeight ? Math.min(1, map.getBoundsZoom(bounds))
        : 1;  // a frame not laid out (hidden): the usual least
      if (moved) least = Math.min(least, map.getZoom());  // the user's view: the least only lowered
      map.options.minZoom = least;  // (not setMinZoom: that zooms, animated, to a higher least)
      if (!moved) map.fitBounds(bounds, { maxZoom: 5, animate: false });
      map.fire("zoomlevelschange");  // the zoom buttons, for the new least
      fitting = false;
    }
    if (bounds) fit(); else map.setView([20, 0], 1);
    L.geoJSON(await loadCountries(), { interactive: false,
      style: { className: "qg-country", weight: 0.6, color: "#a9b6c6", fillColor: "#f4f1e8", fillOpacity: 1 } }).addTo(map);
    const markers = [];
    for (const p of points) {
      const m = L.circleMarker([p.lat, p.lon], { radius: 6, weight: 1.5, color: "#ffffff", fillColor: KIND_COLOUR[p.kind] || "#2f6fb3",
        fillOpacity: 0.95, className: "qg-place qg-kind-" + (p.kind || "place") }).addTo(map);
      m.bindTooltip(el("span", { class: "qg-label-text" }, p.label), { permanent: true, direction: "right", offset: [7, 0],
        className: "qg-label", interactive: false, opacity: 1 });
      m.on("click", () => go(p.href));
      const hover = on => { const t = m.getTooltip().getElement(); if (t) t.classList.toggle("qg-label-hover", on); };
      m.on("mouseover", () => hover(true));
      m.on("mouseout", () => hover(false));
      if (p.href) {  // from the keyboard: Tab to the point (its label shows), Enter opens its page
        const path = m.getElement();
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "link");
        path.setAttribute("aria-label", p.label);
        path.addEventListener("keydown", ev => { if (ev.key === "Enter") { ev.preventDefault(); go(p.href); } });
        path.addEventListener("focus", () => { hover(true); if (!map.getBounds().contains(m.getLatLng())) map.panTo(m.getLatLng()); });
        path.addEventListener("blur", () => hover(false));
      }
      if (p.title) {  // the point's tooltip on hover (an SVG <title>, in the path's own namespace)
        const title = document.createElementNS(m.getElement().namespaceURI, "title");
        title.textContent = p.title;
        m.getElement().append(title);
      }
      markers.push(m);
    }
    // labels that would collide: first try the other side of the point, else hide the later one
    function declutter() {
      const kept = [];
      let hidden = 0;
      const dots = markers.map(m => m.getElement().getBoundingClientRect());
      // the most crowded points first: they have the fewest free places for a label
      const near = dots.map(d => dots.filter(o => Math.hypot(o.x - d.x, o.y - d.y) < 60).length);
      const order = markers.map((m, i) => i).sort((i, j) => near[j] - near[i] || i - j);
      for (const m of order.map(i => markers[i])) {
        const t = m.getTooltip();
        for (const side of SIDES) {
          t.options.direction = side;
          t.options.offset = OFFSET[side];
          t.update();
          const e = t.getElement();
          e.classList.remove("qg-label-hidden");
          const r = e.getBoundingClientRect();
          if (!kept.some(k => overlaps(k, r)) && !dots.some(d => d !== dots[markers.indexOf(m)] && overlaps(d, r))) { kept.push(r); break; }
          if (side === SIDES[SIDES.length - 1]) { e.classList.add("qg-label-hidden"); hidden++; t.options.direction = "right"; t.options.offset = OFFSET.right; t.update(); }
        }
      }
      frame.dataset.hiddenLabels = String(hidden);
      frame.dataset.zoom = String(map.getZoom());  // after each zoom has ended (the tests wait for it)
      note.textContent = points.length + (points.length === 1 ? " point" : " points") +
        (hidden ? " · " + hidden + (hidden === 1 ? " label hidden" : " labels hidden") + " where it would overlap another: zoom in, or hover over a point" : "") + ".";
    }
    map.on("zoomend", declutter);
    declutter();
    // Refit when the frame changes size (a window narrowed from 1280 to 375 px, or widened: the
    // points at the edges were left out of view; a frame shown after it was hidden): at most once
    // a frame, after its layout; never while hidden (no size to fit to) nor after map.remove().
    let frameRequest = 0;
    const resized = new ResizeObserver(() => {
      cancelAnimationFrame(frameRequest);
      frameRequest = requestAnimationFrame(() => {
        if (!frame.clientWidth || !frame.clientHeight || frame.clientWidth + "x" + frame.clientHeight === size) return;
        if (bounds) fit(); else map.invalidateSize();
      });
    });
    resized.observe(frame);
    map.on("unload", () => { resized.disconnect(); cancelAnimationFrame(frameRequest); });  // map.remove()
    frame.dataset.ready = "1";
    return map;
  }

  async function mapPicture(box, data) {
    const pts = data.points;
    if (!pts.length) {
      box.replaceChildren(el("p", { class: "none" }, "No coordinates yet: the linked data (the enrichment graph) has no coordinates for the nations or places of this graph."));
      return;
    }
    await drawMap(box, pts.map(p => ({ lat: p.lat, lon: p.lon, label: p.label, href: p.href, kind: p.kind,
      note: p.capital ? "capital " + p.capital : null, title: p.label + (p.capital ? " — capital " + p.capital : "") + " (" + p.lat + ", " + p.lon + ")" })));
  }

  // ---------------------------------------------------------------- a SPARQL result's views
  const coordCache = new Map();  // iri → [lat, long, label] | null
  const labelCache = new Map();  // iri → label | null
  async function fetchInto(route, iris, cache) {
    const todo = iris.filter(i => !cache.has(i));
    for (let i = 0; i < todo.length; i += LOOKUP_CHUNK) {
      const chunk = todo.slice(i, i + LOOKUP_CHUNK);
      const res = await fetch(route + "?" + chunk.map(x => "iri=" + encodeURIComponent(x)).join("&"), { headers: { Accept: "application/json" } });
      const found = res.ok ? await res.json() : {};
      for (const x of chunk) cache.set(x, found[x] === undefined ? null : found[x]);
    }
  }
  // the coordinates and labels the graph knows for a result's IRIs (kinds() and render() read them)
  async function lookup(result) {
    const iris = new Set();
    for (const row of rowsOf(result)) for (const t of Object.values(row)) if (t && t.type === "uri") iris.add(t.value);
    const list = [...iris].slice(0, 2000);
    await Promise.all([fetchInto("/api/coordinates", list, coordCache), fetchInto("/api/labels", list, labelCache)]);
  }

  function rowsOf(result) { return (result && result.results && result.results.bindings) || []; }
  function varsOf(result) { return (result && result.head && result.head.vars) || []; }
  function num(t) {
    if (!t || t.type !== "literal" && t.type !== "typed-literal") return NaN;
    if (t.datatype && !NUMERIC.has(t.datatype)) return NaN;
    return /^\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*$/.test(t.value) ? parseFloat(t.value) : NaN;
  }
  const isLit = t => t && (t.type === "literal" || t.type === "typed-literal");
  // the variables of a result, by what they hold
  function analyse(result) {
    const vars = varsOf(result), rows = rowsOf(result);
    const has = (v, test) => rows.some(r => r[v] && test(r[v]));
    const all = (v, test) => rows.every(r => !r[v] || test(r[v]));
    const iriVars = vars.filter(v => has(v, t => t.type === "uri") && all(v, t => t.type === "uri"));
    const dateVars = vars.filter(v => has(v, t => isLit(t) && DATE_TYPES.has(t.datatype) && parseDate(t.value)));
    const wktVars = vars.filter(v => has(v, t => isLit(t) && WKT.test(t.value)));
    const latVar = vars.find(v => /^(lat|latitude)$|(?:_|[a-z])(lat|latitude|Lat|Latitude)$/.test(v) && has(v, t => !isNaN(num(t))) && all(v, t => !isNaN(num(t))));
    const lonVar = vars.find(v => /^(lon|long|lng|longitude)$|(?:_|[a-z])(lon|long|lng|longitude|Lon|Long|Lng|Longitude)$/.test(v) && has(v, t => !isNaN(num(t))) && all(v, t => !isNaN(num(t))));
    const placeVars = iriVars.filter(v => has(v, t => coordCache.get(t.value)));
    // a literal variable named after an IRI variable gives its label: ?nation ?nationName / ?nationLabel
    const labelVar = {};
    for (const v of iriVars) {
      const lv = vars.find(w => w !== v && new RegExp("^" + v + "(Label|Name|_label|_name)$", "i").test(w) && has(w, isLit));
      if (lv) labelVar[v] = lv;
    }
    const labelVars = new Set(Object.values(labelVar));
    const textVars = vars.filter(v => !iriVars.includes(v) && !dateVars.includes(v) && !wktVars.includes(v) && v !== latVar && v !== lonVar && has(v, isLit));
    return { vars, rows, iriVars, dateVars, wktVars, latVar, lonVar, placeVars, labelVar, labelVars, textVars };
  }
  function labelOf(a, row, v) {
    const t = row[v];
    if (!t) return "";
    if (t.type !== "uri") return t.value;
    if (a.labelVar[v] && row[a.labelVar[v]]) return row[a.labelVar[v]].value;
    const c = coordCache.get(t.value);
    return labelCache.get(t.value) || (c && c[2]) || short(t.value);
  }
  // a row's name: its first label-like literal, else the label of its first IRI
  function rowName(a, row) {
    const named = a.vars.find(v => /(^|[a-z_])(label|name|title)$/i.test(v) && isLit(row[v]));
    if (named) return row[named].value;
    const iv = a.iriVars.find(v => row[v]);
    if (iv) return labelOf(a, row, iv);
    const tv = a.textVars.find(v => row[v]);
    return tv ? row[tv].value : "(row)";
  }
  function rowHref(a, row, prefer) {
    const v = (prefer && row[prefer] && row[prefer].type === "uri") ? prefer : a.iriVars.find(w => row[w]);
    return v ? hrefFor(row[v].value) : null;
  }

  // which views fit a result: {table, map, graph, timeline} → "" when it fits, else why not
  function kinds(result) {
    const a = analyse(result);
    const out = { table: "", map: "", graph: "", timeline: "" };
    if (!a.rows.length) { out.map = out.graph = out.timeline = "The result has no rows."; return out; }
    if (!a.wktVars.length && !(a.latVar && a.lonVar) && !a.placeVars.length)
      out.map = "Map needs coordinates: a variable holding WKT Point(…) literals, a pair of numeric latitude/longitude variables, or IRIs of places or nations that have coordinates in the graph.";
    if (a.iriVars.length < 2)
      out.graph = "Graph needs at least two variables holding IRIs (each row is an edge from the first to the second); this result has " + a.iriVars.length + ".";
    if (!a.dateVars.length)
      out.timeline = "Timeline needs a variable holding dates (xsd:date, dateTime, gYear, gYearMonth or gMonthDay literals).";
    return out;
  }

  function mapPoints(a) {
    const points = new Map();
    for (const row of a.rows) {
      let lat = NaN, lon = NaN, label = null, href = null, via = null;
      const w = a.wktVars.find(v => row[v] && WKT.test(row[v].value));
      if (w) { const m = WKT.exec(row[w].value); lon = parseFloat(m[1]); lat = parseFloat(m[2]); via = w; }
      else if (a.latVar && a.lonVar && row[a.latVar] && row[a.lonVar]) { lat = num(row[a.latVar]); lon = num(row[a.lonVar]); via = a.latVar; }
      else {
        const pv = a.placeVars.find(v => row[v] && coordCache.get(row[v].value));
        if (pv) { const c = coordCache.get(row[pv].value); lat = c[0]; lon = c[1]; label = labelOf(a, row, pv); href = hrefFor(row[pv].value); via = pv; }
      }
      if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
      label = label || rowName(a, row);
      href = href || rowHref(a, row);
      const key = [lat, lon, label].join("|");
      if (!points.has(key)) points.set(key, { lat, lon, label, href, rows: 0, via });
      points.get(key).rows++;
    }
    return [...points.values()].map(p => Object.assign(p, { kind: "place", note: p.rows > 1 ? p.rows + " rows" : null,
      title: p.label + " (" + p.lat + ", " + p.lon + ")" + (p.rows > 1 ? " · " + p.rows + " rows" : "") }));
  }

  function render(element, kind, result, opts) {
    const a = analyse(result);
    if (kind === "map") {
      const pts = mapPoints(a);
      return drawMap(element, pts, opts);
    }
    if (kind === "graph") {
      const [from, to] = a.iriVars;
      const edgeVar = a.textVars.find(v => !a.labelVars.has(v)) || null;
      const nodes = new Map(), edges = [];
      for (const row of a.rows) {
        if (!row[from] || !row[to]) continue;
        for (const v of [from, to]) {
          const iri = row[v].value;
          if (!nodes.has(iri)) nodes.set(iri, { id: iri, label: labelOf(a, row, v), group: v === from ? "from" : "to", href: hrefFor(iri), title: labelOf(a, row, v) + "\n" + iri });
        }
        edges.push({ from: row[from].value, to: row[to].value, label: edgeVar && row[edgeVar] ? row[edgeVar].value : "" });
      }
      const legend = el("p", { class: "legend" }, el("span", { class: "key key-from" }, "?" + from), el("span", { class: "key key-to" }, "?" + to),
        " each row an edge from ?" + from + " to ?" + to + (edgeVar ? ", labelled with ?" + edgeVar : ""));
      const net = drawNetwork(element, [...nodes.values()], edges, Object.assign({ before: [legend], arrows: true }, opts));
      return net;
    }
    if (kind === "timeline") {
      const events = [];
      for (const row of a.rows) {
        for (const v of a.dateVars) {
          const t = row[v];
          if (!t || !DATE_TYPES.has(t.datatype)) continue;
          events.push({ date: t.value, group: "?" + v, title: rowName(a, row), href: rowHref(a, row) });
        }
      }
      return drawTimeline(element, events, opts);
    }
    throw new Error("no view " + kind);
  }

  const NAMES = { table: "Table", map: "Map", graph: "Graph", timeline: "Timeline" };
  async function onResult(ev) {
    const d = ev.detail || {};
    const { result, container, table } = d;
    if (!container || !result || !result.head || !result.results) return;
    const bar = el("div", { class: "showas", role: "toolbar", "aria-label": "Show the result as" }, el("span", { class: "label" }, "Show as:"));
    const view = el("div", { class: "view", hidden: true });
    container.replaceChildren(bar, view);
    const buttons = {};
    for (const k of Object.keys(NAMES)) {
      buttons[k] = el("button", { type: "button", "data-kind": k, "aria-pressed": k === "table" ? "true" : "false", disabled: k !== "table", title: k === "table" ? "The result as a table" : "Looking up coordinates and labels…" }, NAMES[k]);
      bar.append(buttons[k]);
    }
    try { await lookup(result); } catch (e) { /* the views still work from the result alone */ }
    const fit = kinds(result);
    for (const [k, why] of Object.entries(fit)) {
      buttons[k].disabled = !!why;
      buttons[k].title = why || (k === "table" ? "The result as a table" : "Show the result as a " + k);
    }
    let current = "table", drawn = null;
    function clear() {  // the library's own clean-up (listeners, animation frames) before its element goes
      if (drawn && typeof drawn.remove === "function") drawn.remove();
      else if (drawn && typeof drawn.destroy === "function") drawn.destroy();
      drawn = null;
      view.replaceChildren();
    }
    for (const [k, b] of Object.entries(buttons)) {
      b.addEventListener("click", async () => {
        if (b.disabled || k === current) return;
        current = k;
        for (const [k2, b2] of Object.entries(buttons)) b2.setAttribute("aria-pressed", k2 === k ? "true" : "false");
        clear();
        if (k === "table") { view.hidden = true; if (table) table.hidden = false; return; }
        if (table) table.hidden = true;
        view.hidden = false;
        view.dataset.kind = k;
        try { drawn = await render(view, k, result); } catch (e) { view.replaceChildren(el("p", { class: "error" }, "Could not draw this view: " + e.message)); }
      });
    }
    container.dataset.ready = "1";
  }
  document.addEventListener("qgraph:result", onResult);

  const PICTURES = { network: networkPicture, timeline: timelinePicture, map: mapPicture };
  function picture(kind, box, data) { return PICTURES[kind](box, data); }

  window.qgraphViews = { kinds, render, lookup, picture };
})();
