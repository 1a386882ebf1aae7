// qgraph common: the few helpers every page script shares (static/explorer.js, views.js and
// editor.js use them through window.qgraphCommon; every page loads this file first).
// Every value from the graph is put into the page with textContent or setAttribute, never as HTML.
"use strict";
window.qgraphCommon = (function () {
  // An element with attributes (undefined, null and false leave one out; true sets it empty, as a
  // boolean attribute) and children (Nodes as they are, anything else as text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  // This server's page for an IRI (qgid is the project's entity namespace); null when the IRI is
  // not http(s): it then stays plain text.
  function hrefFor(iri, qgid) {
    if (qgid && iri.startsWith(qgid) && /^[A-Za-z0-9._~-]+$/.test(iri.slice(qgid.length))) return "/id/" + iri.slice(qgid.length);
    if (/^https?:\/\/[^\s]+$/i.test(iri)) return "/resource?iri=" + encodeURIComponent(iri);
    return null;
  }
  // The IRI as prefix:local when one of the prefixes ({"qg:": namespace, ...}) covers it.
  function short(iri, prefixes) {
    for (const [p, ns] of Object.entries(prefixes)) if (iri.startsWith(ns) && iri.length > ns.length) return p + iri.slice(ns.length);
    return iri;
  }
  return Object.freeze({ el, hrefFor, short });
})();
