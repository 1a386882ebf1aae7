"""``qgraph serve``: the read-only SPARQL endpoint, the linked-data pages and the explorer.

One job per module:

- :mod:`qgraph.web.guard`: inspect a query (parsed, not pattern-matched) and refuse what a
  public read-only endpoint must not run (updates, ``LOAD``, ``SERVICE``, foreign datasets);
- :mod:`qgraph.web.results`: SPARQL results (JSON, XML, CSV, TSV) and RDF (Turtle, JSON-LD,
  N-Triples) from pyoxigraph terms;
- :mod:`qgraph.web.negotiation`: ``Accept`` header parsing;
- :mod:`qgraph.web.pool`: worker processes that evaluate queries under a deadline (a worker that
  runs over is killed and replaced);
- :mod:`qgraph.web.endpoint`: the SPARQL 1.1 Protocol request rules;
- :mod:`qgraph.web.explorer`: data behind the pages (search, entity, network, timeline, map);
- :mod:`qgraph.web.pages`: HTML, every value escaped;
- :mod:`qgraph.web.server`: the HTTP server and its routes.
"""
