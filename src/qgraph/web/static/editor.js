// qgraph query editor (/query): YASGUI's editor (YASQE) and result view (YASR), vendored under
// /static/vendor/yasgui/, against this server's /sparql. Nothing here calls out: the
// autocompleters that fetch from the web (Linked Open Vocabularies, prefix.cc) are not enabled,
// the query is not kept in localStorage, and the share link is this page's own URL.
//
// After each SELECT result the page dispatches the explorer's result event (the contract with
// static/views.js): document "qgraph:result" with {result, container, table}.
// Every value from the graph is put into the page with textContent or setAttribute, never as HTML.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const { el } = window.qgraphCommon;

  function start() {
    const host = $("editor");
    if (!host || typeof Yasgui === "undefined") return; // the plain form stays
    const Yasqe = Yasgui.Yasqe, Yasr = Yasgui.Yasr;
    const PREFIXES = JSON.parse(host.dataset.prefixes || "{}"); // the project's (loaded.prefixes)
    const QGID = PREFIXES.qgid || "";
    const ENDPOINT = location.origin + "/sparql";
    const url = new URLSearchParams(location.search);
    const fallback = $("fallback");
    let initial = $("fallback-query").value;
    fallback.remove();
    $("actions").hidden = false;

    // ------------------------------------------------------------ the project's prefixes
    // YASQE's prefix completer adds a PREFIX line when a known prefix is typed; its bundled list
    // (no network: prefixCcApi is null) may disagree with the project (e.g. schema:), so the
    // project's prefixes come first and replace the bundled ones of the same name.
    const bundled = Yasqe.Autocompleters.prefixes;
    Yasqe.forkAutocompleter("prefixes", {
      name: "projectPrefixes",
      get: (yasqe, token) => bundled.get(yasqe, token).then(list => {
        const ours = Object.entries(PREFIXES).map(([p, ns]) => `${p}: <${ns}>`);
        return ours.concat(list.filter(line => !(line.split(":")[0] in PREFIXES)));
      }),
    }, false);

    // YASQE's own syntax check marks a prefixed name whose prefix the query does not declare; the
    // endpoint predeclares the project's prefixes, so the editor's tokenizer starts with them too.
    const sparql11 = Yasqe.modes.sparql11;
    Yasqe.defineMode("sparql11", function (config, parserConfig) {
      const mode = sparql11(config, parserConfig);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        state.prefixes = Object.assign({}, PREFIXES, state.prefixes);
        return state;
      };
      return mode;
    });

    // ------------------------------------------------------------ parameters of a question
    const params = $("params");
    function paramValues() {
      const out = [];
      for (const input of params.querySelectorAll("input[data-var]")) {
        if (input.value.trim()) out.push({ name: "$" + input.dataset.var, value: input.value.trim() });
      }
      return out;
    }
    function showParams(list, values, summary) {
      params.replaceChildren();
      for (const p of list) {
        const id = "param-" + p.name;
        // the catalogue's summaries end with an example for the CLI: "(try --param nation=qgid:japan)"
        const example = new RegExp("--param " + p.name + "=([^\\s)]+)").exec(summary || "");
        params.append(el("div", { class: "param" },
          el("label", { for: id }, "?" + p.name),
          el("input", { id, type: "text", "data-var": p.name, value: values[p.name] || "",
            placeholder: (example ? "e.g. " + example[1] : "e.g. qgid:… or \"text\"") + " (empty: all rows)",
            spellcheck: "false" }),
          el("span", { class: "about" }, p.about || "")));
      }
      params.hidden = !list.length;
      for (const input of params.querySelectorAll("input")) input.addEventListener("input", refreshLinks);
    }
    params.addEventListener("submit", ev => { ev.preventDefault(); run(); });

    // ------------------------------------------------------------ the editor
    const fromUrl = url.get("query");
    const question = url.get("question");
    const given = {};
    for (const [k, v] of url) if (k.startsWith("$")) given[k.slice(1)] = v;
    const yasqe = new Yasqe(host, {
      value: fromUrl !== null ? fromUrl : initial,
      persistenceId: null,            // the query lives in the URL, not in localStorage
      autocompleters: ["projectPrefixes", "variables"],  // no "property"/"class": they query lov.linkeddata.es
      prefixCcApi: null,
      showQueryButton: true,
      resizeable: true,
      editorHeight: "260px",
      consumeShareLink: null,         // this page reads its own URL (below)
      createShareableLink: () => permalink(),
      requestConfig: {
        endpoint: ENDPOINT,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json",
        acceptHeaderGraph: "text/turtle",
        args: () => paramValues(),
      },
    });
    const yasr = new Yasr($("yasr"), {
      persistenceId: null,
      prefixes: () => Object.assign({}, PREFIXES, yasqe.getPrefixesFromQuery()),
      pluginOrder: ["table", "response"],
      defaultPlugin: "table",
    });
    window.qgraphEditor = { yasqe, yasr }; // for the browser tests and the curious

    // ------------------------------------------------------------ links: share, CSV, JSON
    function permalink() {
      const q = new URLSearchParams();
      q.set("query", yasqe.getValue());
      for (const p of paramValues()) q.append(p.name, p.value);
      return location.origin + "/query?" + q.toString();
    }
    function sparqlLink(format) {
      const q = new URLSearchParams();
      q.set("query", yasqe.getValue());
      for (const p of paramValues()) q.append(p.name, p.value);
      q.set("format", format);
      return "/sparql?" + q.toString();
    }
    function refreshLinks() {
      $("permalink-text").value = permalink();
      $("download-csv").href = sparqlLink("csv");
      $("download-json").href = sparqlLink("json");
    }
    yasqe.on("change", refreshLinks);
    $("copy-link").addEventListener("click", async () => {
      const link = permalink();
      refreshLinks();
      history.replaceState(null, "", link);
      const box = $("permalink-text");
      box.focus(); box.select();
      try { await navigator.clipboard.writeText(link); $("copy-link").textContent = "Link copied"; }
      catch (e) { $("copy-link").textContent = "Select and copy the link"; }
    });
    // the PREFIX lines of the project's prefixes this query uses and does not declare (for a
    // query to be taken to another endpoint)
    $("add-prefixes").addEventListener("click", () => {
      const declared = new Set([...yasqe.getValue().matchAll(/PREFIX\s+([\w.-]*):/gi)].map(m => m[1]));
      const used = new Set();
      for (let i = 0; i < yasqe.lineCount(); i++) {
        for (const t of yasqe.getLineTokens(i)) {
          const m = t.type === "string-2" && /^([\w.-]*):/.exec(t.string);
          if (m) used.add(m[1]);
        }
      }
      for (const p of [...used].sort().reverse()) {
        if (!declared.has(p) && p in PREFIXES) yasqe.addPrefixes(p + ": <" + PREFIXES[p] + ">");
      }
    });

    // ------------------------------------------------------------ running
    const status = $("query-status"), error = $("query-error");
    function run() { error.hidden = true; yasqe.query().catch(() => {}); }
    $("run").addEventListener("click", run);
    yasqe.on("queryBefore", () => { error.hidden = true; status.textContent = "Running…"; });
    yasqe.on("queryResponse", (_y, response, duration) => {
      status.textContent = "";
      const views = $("views");
      views.replaceChildren();
      // a new answer shows as YASR draws it: a picture chosen for the last one had hidden it,
      // and a re-run then showed "2 rows" and nothing, with Table marked as chosen
      $("yasr").hidden = false;
      if (response instanceof Error || (response && response.ok === false)) {
        // the endpoint's message is one line (e.g. "syntax error at line 2, column 7: …")
        const text = String(response.message || response.content || response.statusText || response).trim();
        error.textContent = text.split("\n")[0];
        error.hidden = false;
        yasr.setResponse(null);
        return;
      }
      yasr.setResponse(response, duration);
      let data = null;
      try { data = JSON.parse(response.content); } catch (e) { data = null; }
      if (data && data.head && data.results && Array.isArray(data.results.bindings)) {
        const n = data.results.bindings.length;
        status.textContent = n + (n === 1 ? " row" : " rows") + " · " + duration + " ms";
        document.dispatchEvent(new CustomEvent("qgraph:result", {
          detail: { result: data, container: views, table: $("yasr") },
        }));
      } else if (data && "boolean" in data) {
        status.textContent = (data.boolean ? "Yes (true)" : "No (false)") + " · " + duration + " ms";
      } else {
        status.textContent = duration + " ms";
      }
    });

    // ------------------------------------------------------------ labels beside IRIs
    // A pass over what YASR draws (each page of the table, each redraw): every IRI link goes to
    // this server's page for it and gets the IRI's label beside it (from /api/labels).
    const labels = new Map();
    const hrefFor = iri => window.qgraphCommon.hrefFor(iri, QGID);
    function decorate(a) {
      const iri = a.dataset.iri;
      const label = labels.get(iri);
      a.dataset.labelled = "1";
      if (label && label !== a.textContent) {
        a.after(" ", el("span", { class: "iri-label", title: iri }, label));
      }
    }
    let pending = false;
    async function labelPass() {
      pending = false;
      const links = [...$("yasr").querySelectorAll("td a.iri:not([data-labelled])")].filter(a => !a.closest("sup"));
      if (!links.length) return;
      const missing = [];
      for (const a of links) {
        const iri = a.getAttribute("href");
        a.dataset.iri = iri;
        a.title = iri;
        const local = hrefFor(iri);
        if (local) { a.setAttribute("href", local); a.removeAttribute("target"); }
        if (!labels.has(iri) && !missing.includes(iri)) missing.push(iri);
      }
      for (let i = 0; i < missing.length; i += 100) {
        const q = new URLSearchParams();
        for (const iri of missing.slice(i, i + 100)) q.append("iri", iri);
        try {
          const res = await fetch("/api/labels?" + q.toString(), { headers: { Accept: "application/json" } });
          const got = res.ok ? await res.json() : {};
          for (const iri of missing.slice(i, i + 100)) labels.set(iri, got[iri] || null);
        } catch (e) { /* labels are a help, not the answer */ }
      }
      for (const a of links) decorate(a);
    }
    new MutationObserver(() => { if (!pending) { pending = true; setTimeout(labelPass, 0); } })
      .observe($("yasr"), { childList: true, subtree: true });

    // ------------------------------------------------------------ the questions
    function choose(link, values) {
      const li = link.closest("li");
      yasqe.setValue(li.querySelector("pre.qtext").textContent);
      const list = JSON.parse(link.dataset.params || "[]");
      $("question-info").hidden = false;
      $("question-title").textContent = link.dataset.name;
      const summary = link.querySelector(".summary").textContent;
      $("question-summary").textContent = summary;
      showParams(list, values || {}, summary);
      for (const a of document.querySelectorAll("#question-list a.question")) a.classList.toggle("on", a === link);
      refreshLinks();
    }
    for (const a of document.querySelectorAll("#question-list a.question")) {
      a.addEventListener("click", ev => {
        ev.preventDefault();
        choose(a);
        history.replaceState(null, "", "/query?question=" + encodeURIComponent(a.dataset.name));
        const first = params.querySelector("input");
        if (first) first.focus(); else yasqe.focus();
      });
    }
    $("question-filter").addEventListener("input", ev => {
      const needle = ev.target.value.trim().toLowerCase();
      for (const li of document.querySelectorAll("#question-list li")) {
        li.hidden = needle && !li.textContent.toLowerCase().includes(needle);
      }
    });

    // ------------------------------------------------------------ what the URL asks for
    if (question) {
      const link = document.querySelector(`#question-list a.question[data-name="${CSS.escape(question)}"]`);
      if (link) choose(link, given);
      else {  // a name the catalogue does not hold (mistyped, or a question since renamed): said so
        $("question-info").hidden = false;
        $("question-title").textContent = "No such question";
        $("question-summary").textContent = `The catalogue has no question named “${question}”: ` +
          "pick one from the list, or write a query below.";
        $("question-info").classList.add("unknown");
      }
    }
    if (fromUrl !== null) {
      if (!question) {  // parameters given without a question: one input each
        const names = Object.keys(given);
        showParams(names.map(name => ({ name, about: "" })), given);
        $("question-info").hidden = !names.length;
        $("question-title").textContent = names.length ? "Parameters" : "";
      }
      yasqe.setValue(fromUrl);
      refreshLinks();
      run();
    } else {
      refreshLinks();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
