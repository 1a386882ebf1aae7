"""Form and consistency of the reviewed link tables (data/links/*.sssom.tsv).

The tables are data, curated by hand; these tests check what a reviewer would
otherwise check by eye: every identifier has the form of its dataset, every
subject is one of our individuals, no entity links to two items of one dataset,
accepted and rejected candidates do not overlap, and every row says where the
identifier was seen. Offline: ISO 3166-1 codes are checked against pycountry's
shipped copy of the standard, nothing is fetched.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pycountry
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINKS = ROOT / "data" / "links"
TABLES = {"accepted": LINKS / "accepted.sssom.tsv", "rejected": LINKS / "rejected.sssom.tsv"}

COLUMNS = [
    "subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id",
    "object_label", "object_type", "object_source", "mapping_justification",
    "author_label", "mapping_date", "confidence", "comment",
]

# The prefixes the tables must declare, with the expansions the contract fixes.
REQUIRED_CURIE_MAP = {
    "qgid": "https://w3id.org/qgraph/id/",
    "wd": "http://www.wikidata.org/entity/",
    "geonames": "https://sws.geonames.org/",
    "euc": "http://publications.europa.eu/resource/authority/country/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
}

ISO_ALPHA_2 = {c.alpha_2 for c in pycountry.countries}
ISO_ALPHA_3 = {c.alpha_3 for c in pycountry.countries}

# object_source -> check of object_id (entity rows) or of the code (literal rows)
OBJECT_FORMS = {
    "wikidata": re.compile(r"^wd:Q[1-9][0-9]*$"),
    "geonames": re.compile(r"^geonames:[1-9][0-9]*$"),
    "eu-country-authority": re.compile(r"^euc:[A-Z0-9]{3}$"),
    "dbpedia": re.compile(r"^dbr:[^\s<>\"]+$"),
    "iso3166-1-alpha-2": re.compile(r"^[A-Z]{2}$"),
    "iso3166-1-alpha-3": re.compile(r"^[A-Z]{3}$"),
}
LITERAL_SOURCES = {"iso3166-1-alpha-2", "iso3166-1-alpha-3"}
# EU authority codes that are not ISO 3166-1 alpha-3 codes, each seen in the
# authority table (see data/links/README.md).
EU_NON_ISO_CODES = {"EUR"}

ACCEPTED_PREDICATES = {"skos:exactMatch", "skos:closeMatch", "skos:notation"}

# A citable place: a URL, or owner/repo@<commit>:path as the README describes.
CITABLE = re.compile(
    r"seen: (https?://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{40}:\S+)"
)

NAME = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def read_table(path: Path) -> tuple[dict, list[str], list[dict]]:
    """Split an SSSOM TSV into its '#' metadata block, column names and rows."""
    meta: dict = {}
    body: list[str] = []
    current_map: dict | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            content = line[1:]
            if content.startswith("  ") and current_map is not None:
                key, _, value = content.strip().partition(": ")
                current_map[key] = value.strip()
                continue
            key, _, value = content.strip().partition(":")
            value = value.strip()
            if key == "curie_map" and not value:
                current_map = meta.setdefault("curie_map", {})
            else:
                current_map = None
                meta[key] = value
        elif line.strip():
            body.append(line)
    reader = csv.reader(body, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    rows = []
    for number, fields in enumerate(reader, start=2):
        assert len(fields) == len(header), (
            f"{path.name}: data row {number} has {len(fields)} fields, header has {len(header)}"
        )
        rows.append(dict(zip(header, fields, strict=True)))
    return meta, header, rows


@pytest.fixture(scope="module")
def tables() -> dict:
    found = {kind: path for kind, path in TABLES.items() if path.is_file()}
    assert found == TABLES, f"link tables missing: {sorted(set(TABLES) - set(found))}"
    return {kind: read_table(path) for kind, path in TABLES.items()}


@pytest.fixture(scope="module")
def known_subjects() -> set[str]:
    """qgid: individuals named in the design contract or in data/*.ttl."""
    names = set(re.findall(rf"qgid:({NAME})", (ROOT / "docs" / "design.md").read_text("utf-8")))
    ttl_files = sorted((ROOT / "data").glob("*.ttl"))
    for ttl in ttl_files:
        text = ttl.read_text(encoding="utf-8")
        names |= set(re.findall(rf"qgid:({NAME})", text))
        names |= set(re.findall(rf"<https://w3id\.org/qgraph/id/({NAME})>", text))
    assert names, "no qgid: individuals found in docs/design.md or data/*.ttl"
    return {f"qgid:{n}" for n in names}


@pytest.fixture(scope="module")
def design_nations() -> list[str]:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    match = re.search(r"^Nations: (.*?)\.$", text, re.MULTILINE | re.DOTALL)
    assert match, "the 'Nations:' line of the shared individuals is missing from docs/design.md"
    nations = re.findall(rf"`(qgid:{NAME})`", match.group(1))
    assert len(nations) == 13, nations
    return nations


def all_rows(tables):
    for kind, (_, _, rows) in tables.items():
        for row in rows:
            yield kind, row


def test_tables_are_not_empty(tables):
    for kind, (_, _, rows) in tables.items():
        assert rows, f"{kind} table has no rows"


def test_metadata_header(tables):
    ids = set()
    for kind, (meta, header, _) in tables.items():
        assert header == COLUMNS, f"{kind}: columns differ from the documented set"
        set_id = meta.get("mapping_set_id", "")
        assert set_id == f"https://w3id.org/qgraph/links/{kind}", set_id
        ids.add(set_id)
        assert meta.get("license", "").startswith("https://"), f"{kind}: license must be an IRI"
        date.fromisoformat(meta["mapping_date"])
        curie_map = meta.get("curie_map", {})
        for prefix, expansion in REQUIRED_CURIE_MAP.items():
            assert curie_map.get(prefix) == expansion, f"{kind}: curie_map {prefix} is {curie_map.get(prefix)!r}"
    assert len(ids) == len(tables)


def test_every_curie_prefix_is_declared(tables):
    for kind, (meta, _, rows) in tables.items():
        declared = set(meta["curie_map"])
        for row in rows:
            curies = [row["subject_id"], row["predicate_id"], row["mapping_justification"]]
            if row["object_source"] not in LITERAL_SOURCES:
                curies.append(row["object_id"])
            for curie in curies:
                prefix = curie.partition(":")[0]
                assert prefix in declared, f"{kind}: {curie} uses an undeclared prefix"


def test_object_forms(tables):
    for kind, row in all_rows(tables):
        source, obj = row["object_source"], row["object_id"]
        assert source in OBJECT_FORMS, f"{kind}: unknown object_source {source!r} for {row['subject_id']}"
        assert OBJECT_FORMS[source].match(obj), f"{kind}: {obj!r} is not a {source} identifier"
        if source in LITERAL_SOURCES:
            assert row["object_type"] == "rdfs literal", f"{kind}: {obj} must be typed rdfs literal"
            assert row["predicate_id"] == "skos:notation", f"{kind}: a code is linked with skos:notation"
        else:
            assert row["object_type"] == "owl named individual", f"{kind}: {obj} object_type"
        if source == "iso3166-1-alpha-2":
            assert obj in ISO_ALPHA_2, f"{kind}: {obj} is not an ISO 3166-1 alpha-2 code"
        if source == "iso3166-1-alpha-3":
            assert obj in ISO_ALPHA_3, f"{kind}: {obj} is not an ISO 3166-1 alpha-3 code"
        if source == "eu-country-authority":
            code = obj.partition(":")[2]
            assert code in ISO_ALPHA_3 | EU_NON_ISO_CODES, f"{kind}: {obj} is neither ISO alpha-3 nor a known EU code"


def test_subjects_are_our_individuals(tables, known_subjects):
    for kind, row in all_rows(tables):
        assert row["subject_id"] in known_subjects, (
            f"{kind}: {row['subject_id']} is not named in docs/design.md or data/*.ttl"
        )
        assert row["subject_label"].strip(), f"{kind}: {row['subject_id']} has no label"


def test_curation_fields(tables):
    for kind, row in all_rows(tables):
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert row["author_label"].strip()
        date.fromisoformat(row["mapping_date"])
        confidence = float(row["confidence"])
        assert 0.0 < confidence <= 1.0, f"{kind}: confidence {confidence} out of range"
        assert row["object_label"].strip(), f"{kind}: {row['object_id']} has no label"


def test_every_row_names_where_it_was_seen(tables):
    for kind, row in all_rows(tables):
        comment = row["comment"]
        assert "seen: " in comment, f"{kind}: {row['subject_id']} {row['object_id']} has no source"
        if kind == "accepted":
            assert CITABLE.search(comment), (
                f"accepted: {row['subject_id']} {row['object_id']}: source is neither a URL "
                "nor owner/repo@commit:path"
            )


def test_accepted_predicates(tables):
    _, _, rows = tables["accepted"]
    for row in rows:
        assert row["predicate_id"] in ACCEPTED_PREDICATES, (
            f"{row['predicate_id']} is not an accepted linking predicate (owl:sameAs is deliberately not used)"
        )
        assert row["predicate_modifier"] == "", "an accepted link cannot be negated"


def test_rejected_rows_say_why(tables):
    _, _, rows = tables["rejected"]
    for row in rows:
        modifier, comment = row["predicate_modifier"], row["comment"]
        assert modifier in {"", "Not"}, modifier
        expected = "rejected:" if modifier == "Not" else "unverified:"
        assert comment.startswith(expected), (
            f"rejected table: {row['subject_id']} {row['object_id']} must start its comment with {expected!r}"
        )


def test_no_subject_links_to_two_objects_of_one_dataset(tables):
    _, _, rows = tables["accepted"]
    objects = defaultdict(set)
    for row in rows:
        objects[(row["subject_id"], row["object_source"])].add(row["object_id"])
    clashes = {key: sorted(objs) for key, objs in objects.items() if len(objs) > 1}
    assert not clashes, f"entities linked to two items of the same dataset: {clashes}"
    # and no object is claimed by two of our entities within a dataset
    subjects = defaultdict(set)
    for row in rows:
        subjects[(row["object_source"], row["object_id"])].add(row["subject_id"])
    shared = {key: sorted(s) for key, s in subjects.items() if len(s) > 1}
    assert not shared, f"one external item linked from two of our entities: {shared}"


def test_accepted_and_rejected_are_disjoint(tables):
    pairs = {
        kind: {(row["subject_id"], row["object_id"]) for row in rows}
        for kind, (_, _, rows) in tables.items()
    }
    both = pairs["accepted"] & pairs["rejected"]
    assert not both, f"pairs both accepted and rejected: {sorted(both)}"


def test_no_duplicate_rows(tables):
    for kind, (_, _, rows) in tables.items():
        keys = [(r["subject_id"], r["predicate_id"], r["object_source"], r["object_id"]) for r in rows]
        assert len(keys) == len(set(keys)), f"{kind}: duplicate rows"


def test_every_nation_is_linked_in_every_country_dataset(tables, design_nations):
    _, _, rows = tables["accepted"]
    have = defaultdict(set)
    for row in rows:
        have[row["subject_id"]].add(row["object_source"])
    wanted = {"wikidata", "iso3166-1-alpha-2", "iso3166-1-alpha-3", "geonames", "eu-country-authority"}
    missing = {n: sorted(wanted - have[n]) for n in design_nations if wanted - have[n]}
    assert not missing, f"nations without a link to: {missing}"


def test_country_codes_agree_with_each_other(tables, design_nations):
    """The alpha-2, alpha-3 and EU authority code of one nation name one country."""
    _, _, rows = tables["accepted"]
    codes = defaultdict(dict)
    for row in rows:
        codes[row["subject_id"]][row["object_source"]] = row["object_id"]
    for nation in design_nations:
        c = codes[nation]
        country = pycountry.countries.get(alpha_2=c["iso3166-1-alpha-2"])
        assert country is not None and country.alpha_3 == c["iso3166-1-alpha-3"], (
            f"{nation}: {c['iso3166-1-alpha-2']} and {c['iso3166-1-alpha-3']} are different countries"
        )
        # the EU authority code relies on the ISO 3166-1 alpha-3 code (op.europa.eu, see README)
        assert c["eu-country-authority"] == f"euc:{c['iso3166-1-alpha-3']}", nation


def test_country_not_realm_for_denmark_and_netherlands(tables):
    """The documented choice: the countries, not the kingdoms, with the kingdoms rejected."""
    accepted = {(r["subject_id"], r["object_id"]) for r in tables["accepted"][2]}
    negated = {
        (r["subject_id"], r["object_id"]) for r in tables["rejected"][2] if r["predicate_modifier"] == "Not"
    }
    assert ("qgid:denmark", "wd:Q35") in accepted
    assert ("qgid:netherlands", "wd:Q55") in accepted
    assert ("qgid:denmark", "wd:Q756617") in negated
    assert ("qgid:netherlands", "wd:Q29999") in negated


def test_a_repository_is_cited_at_a_commit_and_a_path(tables):
    """Regression (a links audit): the EU's QID cited https://github.com/Wikidata/Purdue-Data-Mine-2024,
    a repository without a path or a commit, where the quoted sentence could not be found again. A
    file of a repository is cited as owner/repo@<commit>:<path>, the form that pins what was read."""
    bare = re.compile(r"https?://github\.com/[^/\s]+/[^/\s)]+/?(?=[\s)]|$)")
    for kind, row in all_rows(tables):
        if kind == "accepted":
            assert not bare.search(row["comment"]), (
                f"accepted: {row['subject_id']} {row['object_id']} cites a repository, not a file at a commit")
