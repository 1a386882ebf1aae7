"""SPARQL syntax errors in one readable line, whichever parser found them.

Two parsers read a query here: rdflib's (pyparsing; the endpoint's guard and the rdflib store)
and Oxigraph's (rust-peg; the default store and the endpoint's workers). Their messages are
written for the parsers' authors: pyparsing names grammar rules ("Expected SelectQuery, found
'FILTER' (at char 39), (line:3, col:3)"), and Oxigraph lists every character class it would have
accepted ("error at 1:31: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | …").
:func:`readable` turns either into ``syntax error at line L, column C: …``: what was found there,
and what was expected, in SPARQL's words (an unknown prefix is named as such).

>>> q = "SELECT ?x WHERE { ?x a foo:Bar }"
>>> readable("error at 1:31: expected one of Prefix not found, ['%'], [':'], ['\\\\'], ['_']", q)
"syntax error at line 1, column 24: unknown prefix 'foo:' (declare it: PREFIX foo: <…>)"
>>> readable("Expected SelectQuery, found 'FILTER'  (at char 39), (line:3, col:3)", "a\\nb\\n  FILTER(?x = ) }")
"syntax error at line 3, column 3: unexpected 'FILTER'"
"""

from __future__ import annotations

import re

_OXI = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)
_PYP = re.compile(r"^Expected (?P<exp>.*?),? found (?P<found>'.*?'|end of text)\s*\(at char \d+\),?\s*"
                  r"\(line:(?P<line>\d+), col:(?P<col>\d+)\)", re.S)
_PYP_END = re.compile(r"^Expected (?P<exp>.*?),?\s*\(at char \d+\),?\s*\(line:(?P<line>\d+), col:(?P<col>\d+)\)", re.S)
_ITEM = re.compile(r"""\[(?:'[^']*'|[^\]])*\]|"(?:[^"\\]|\\.)*"|'[^']*'|[^,\s][^,]*""")
_FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE", "AskQuery": "ASK"}
MAX_EXPECTED = 8


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _token_at(query: str, line: int, col: int) -> str:
    """The word or character of ``query`` at 1-based ``line``/``col`` ('' at the end)."""
    lines = query.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    rest = lines[line - 1][max(col - 1, 0):]
    m = re.match(r"\s*([\w?$:<>.-]+|\S)", rest)
    return m.group(1)[:40] if m else ""


def _at_end(query: str, line: int, col: int) -> bool:
    """Whether ``line``/``col`` is at or after the last non-blank character of ``query``."""
    lines = query.rstrip().split("\n")
    return line > len(lines) or (line == len(lines) and col > len(lines[-1]))


def _prefix_before(query: str, line: int, col: int) -> tuple[str, int] | None:
    """The prefix of the prefixed name that ends at (or spans) ``line``/``col``, and its column."""
    lines = query.split("\n")
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    for m in re.finditer(r"(?<![\w<?$])([A-Za-z][\w.-]*)?:[\w.%-]*", text):
        if m.start() < col <= m.end() + 1:
            return (m.group(1) or ""), m.start() + 1
    return None


def _describe(item: str) -> str | None:
    """One of Oxigraph's expected items in words (None: leave it out)."""
    item = item.strip()
    if item in ("[_]", ""):
        return None  # "any character": says nothing
    if item.startswith("["):
        inner = item[1:-1]
        if inner in ("'0'..='9'", "'0' ..= '9'"):
            return "a digit"
        m = re.fullmatch(r"'(.)'", inner)
        if m:
            return f"'{m.group(1)}'"
        if "'A' ..= 'Z'" in inner or "'a' ..= 'z'" in inner:
            return "a letter"
        if "'0' ..= '9'" in inner or "'0'..='9'" in inner:
            return "a digit"
        return None
    if item.startswith('"') and item.endswith('"'):
        return "'" + item[1:-1].replace('\\"', '"').replace("\\\\", "\\") + "'"
    return item


def _expected(items: list[str]) -> str:
    words: list[str] = []
    for it in items:
        d = _describe(it)
        if d and d not in words:
            words.append(d)
    if not words:
        return ""
    if len(words) > MAX_EXPECTED:
        return "expected one of " + ", ".join(words[:MAX_EXPECTED]) + f", … ({len(words) - MAX_EXPECTED} more)"
    if len(words) == 1:
        return "expected " + words[0]
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


def _oxigraph(line: int, col: int, rest: str, query: str) -> str:
    rest = one_line(rest, 10_000)
    where = f"syntax error at line {line}, column {col}"
    if "Prefix not found" in rest:
        found = _prefix_before(query, line, col)
        if found is not None:
            prefix, start = found
            return (f"syntax error at line {line}, column {start}: unknown prefix '{prefix}:' "
                    f"(declare it: PREFIX {prefix}: <…>)")
        return f"{where}: unknown prefix"
    if "IRI parsing failed" in rest:
        return f"{where}: not a valid IRI"
    m = re.match(r"expected (?:one of )?(.*)$", rest)
    if not m:
        return f"{where}: {one_line(rest, 200)}"
    items = _ITEM.findall(m.group(1))
    said = [i.strip() for i in items if re.match(r"^[A-Z][a-z]+ .* ", i.strip())]
    if said:  # a sentence, not a token: e.g. "The SELECT contains a variable that is unbound"
        sentence = one_line(said[0], 200)
        return "syntax error: " + sentence[0].lower() + sentence[1:]
    expected = _expected(items)
    token = _token_at(query, line, col)
    if token:
        found = f"unexpected '{token}'"
    elif _at_end(query, line, col):
        found = "unexpected end of the query"
    else:
        found = ""
    return f"{where}: " + "; ".join(x for x in (found, expected) if x) if (found or expected) else where


def _pyparsing(exp: str, found: str, line: int, col: int, query: str) -> str:
    where = f"syntax error at line {line}, column {col}"
    token = _token_at(query, line, col)
    if found in ("end of text", "") or not token:
        what = "unexpected end of the query"
    else:
        what = f"unexpected '{token}'"
    forms = [f for name, f in _FORMS.items() if name in exp]
    hint = ""
    if len(forms) == 4 and line == 1 and col == 1:
        hint = "; expected SELECT, CONSTRUCT, DESCRIBE or ASK (after PREFIX and BASE declarations)"
    return f"{where}: {what}{hint}"


def readable(message: str, query: str) -> str:
    """A parser's syntax error about ``query`` as one line: ``syntax error at line L, column C: …``.

    A message of neither parser's form is kept (on one line) after ``syntax error: ``."""
    message = str(message).strip()
    m = _OXI.match(message)
    if m:
        return _oxigraph(int(m.group(1)), int(m.group(2)), m.group(3), query)
    m = _PYP.match(message)
    if m:
        return _pyparsing(m.group("exp"), m.group("found"), int(m.group("line")), int(m.group("col")), query)
    m = _PYP_END.match(message)
    if m:
        return _pyparsing(m.group("exp"), "", int(m.group("line")), int(m.group("col")), query)
    m = re.match(r"^Unknown namespace prefix\s*:\s*(\S*)$", message)  # rdflib's algebra
    if m:
        prefix = m.group(1)
        at = re.search(r"(?<![\w<?$])" + re.escape(prefix) + ":", query)
        where = "syntax error"
        if at:
            line = query.count("\n", 0, at.start()) + 1
            where += f" at line {line}, column {at.start() - (query.rfind(chr(10), 0, at.start()) + 1) + 1}"
        return f"{where}: unknown prefix '{prefix}:' (declare it: PREFIX {prefix}: <…>)"
    return f"syntax error: {one_line(message, 200)}"


def explain(query: str, error: BaseException | str) -> str:
    """The readable line for Oxigraph's ``error`` about ``query``.

    Oxigraph places a parse failure where its parser gave up, often the end of the query (its
    grammar looks ahead), and lists what it would have accepted there. When rdflib's parser
    rejects the query too, its message (the start of the construct it could not read) is the
    clearer one; when rdflib accepts it (an unknown prefix, a bad IRI, an unbound variable in
    SELECT), Oxigraph's message is the one that says why."""
    message = getattr(error, "msg", None) or str(error)
    if "Prefix not found" in message or "IRI parsing failed" in message:
        return readable(message, query)
    try:
        from rdflib.plugins.sparql.parser import parseQuery

        parseQuery(query)
    except Exception as e:  # pyparsing's ParseException (or a bad escape)
        if _PYP.match(str(e).strip()) or _PYP_END.match(str(e).strip()):
            return readable(str(e), query)
    return readable(message, query)
