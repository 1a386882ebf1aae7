"""The explorer's timeline (/api/timeline) and the question cross-timeline list the same dated
events: the same dates, on the same nodes."""

from __future__ import annotations


def test_every_date_of_the_timeline_question_is_on_the_timeline(project_root):
    """qg:releasedOn was left out of the picture: the US-Denmark (2022-06-07) and
    US-Netherlands (2023-02-16) statements' releases were missing."""
    from qgraph.api import query
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer

    asked = query("cross-timeline", root=project_root)
    col = {v: i for i, v in enumerate(asked.vars)}
    listed = {(str(r[col["date"]]), str(r[col["what"]])) for r in asked.rows}
    assert len(listed) > 20, "the project needs dated events"
    assert any(str(r[col["property"]]).endswith("releasedOn") for r in asked.rows), "no release to look for"
    loaded = load(project_root)
    events = Explorer(loaded, open_store(loaded, "oxigraph")).timeline["events"]
    drawn = {(e["date"], e["iri"]) for e in events}
    assert listed <= drawn, sorted(listed - drawn)
    # Regression (an analyst's walk): the question left out what the picture drew, the
    # announcements (qg:announcedOn: the £2 billion of 2026-03, the programme of 2026-03-17) and
    # the days memberships and offices are attested (qg:attestedOn), though the README calls it
    # every recorded date
    assert drawn <= listed, sorted(drawn - listed)
    assert {"announcement", "membership attested"} <= {e["kind"] for e in events}
    released = [e for e in events if e["kind"] == "released"]
    assert {e["date"] for e in released} >= {"2022-06-07", "2023-02-16"}
