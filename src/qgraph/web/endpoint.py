"""The SPARQL 1.1 Protocol rules of ``/sparql`` (read-only): which requests are queries.

- ``GET /sparql?query=…``;
- ``POST`` with ``application/x-www-form-urlencoded`` (``query=…`` in the body);
- ``POST`` with ``application/sparql-query`` (the query is the body, UTF-8).

``default-graph-uri`` and ``named-graph-uri`` (URL or form) give the dataset; ``format=`` or
``output=`` (``json``, ``csv``, ``turtle``, … or a media type) overrides ``Accept``. ``$name=value``
(RDF4J's protocol extension) binds the query's variable ``?name`` to a term written as for
``qgraph query --param`` (``qgid:denmark``, ``<https://…>``, ``"Denmark"@en``, plain text): the
value is substituted by the engine, never pasted into the query's text. Anything else is a
4xx: updates (``update=`` or ``application/sparql-update``: 403), two ``query`` parameters, a
missing or wrong media type, a body not in UTF-8, a syntax error (checked by the worker).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from qgraph.web.pool import Job, Reply, _text

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


def _media(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    out = {}
    for p in params:
        k, _, v = p.partition("=")
        out[k.strip().lower()] = v.strip().strip('"').lower()
    return main.strip().lower(), out


def _decode(raw: bytes, charset: str | None) -> str:
    if charset and charset.replace("_", "-") not in ("utf-8", "utf8"):
        raise ValueError(f"the body must be UTF-8 (got charset={charset})")
    return raw.decode("utf-8")


def parse_request(method: str, query_string: str, content_type: str | None, body: bytes,
                  accept: str | None) -> Job | Reply:
    """A :class:`Job` to evaluate, or the 4xx :data:`Reply` that refuses the request."""
    try:
        url = parse_qs(query_string, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        return _text(400, "the URL's parameters are not UTF-8")
    media, params = _media(content_type)
    if method == "GET":
        form = url
    elif method == "POST":
        if media == UPDATE:
            return _text(403, "this endpoint is read-only: SPARQL updates are not accepted")
        if media == FORM:
            try:
                form = parse_qs(_decode(body, params.get("charset")), keep_blank_values=True, errors="strict")
            except (UnicodeDecodeError, ValueError) as e:
                return _text(400, f"the form is not UTF-8 text: {e}")
            form = {**url, **{k: url.get(k, []) + v for k, v in form.items()}}
        elif media == DIRECT:
            try:
                text = _decode(body, params.get("charset"))
            except (UnicodeDecodeError, ValueError) as e:
                return _text(400, f"the query is not UTF-8 text: {e}")
            if "query" in url:
                return _text(400, "a direct POST carries the query in its body, not also in the URL")
            form = {**url, "query": [text]}
        elif not media:
            return _text(400, f"a POST needs a Content-Type: {FORM} or {DIRECT}")
        else:
            return _text(415, f"unsupported Content-Type {media}: use {FORM} or {DIRECT}")
    else:
        return _text(405, "use GET or POST")
    if "update" in form:
        return _text(403, "this endpoint is read-only: SPARQL updates are not accepted")
    queries = form.get("query", [])
    if not queries:
        return _text(400, "missing the query parameter (…/sparql?query=SELECT …)")
    if len(queries) > 1:
        return _text(400, "more than one query parameter")
    if not queries[0].strip():
        return _text(400, "the query is empty")
    accept = _format_param(form, accept)
    if isinstance(accept, tuple):
        return accept
    default = form.get("default-graph-uri", [])
    named = form.get("named-graph-uri", [])
    params: dict[str, str] = {}
    for key, values in form.items():
        if key.startswith("$"):
            if len(values) > 1:
                return _text(400, f"more than one value for the parameter {key}")
            if values[0].strip():  # an empty field leaves the variable unbound
                params[key[1:]] = values[0]
    return Job(queries[0], accept or "*/*", default, named, bool(default or named), params)


def _format_param(form: dict[str, list[str]], accept: str | None) -> str | None | Reply:
    """``format=``/``output=`` (Fuseki's and Virtuoso's names, or a media type) overrides Accept."""
    from qgraph.web.results import FORMAT_NAMES, format_accept

    given = form.get("format", []) + form.get("output", [])
    if not given:
        return accept
    if len(set(given)) > 1:
        return _text(400, "give one format (format= or output=)")
    media = format_accept(given[0])
    if media is None:
        return _text(400, f"unknown format {given[0]!r} (one of {', '.join(sorted(FORMAT_NAMES))} or a media type)")
    return media
