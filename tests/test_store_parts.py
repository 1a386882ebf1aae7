"""qgraph.corpus.store.bulk_extend: pyoxigraph's bulk loader fed a part of the quads at a time
(it copies all it is given before loading: a million quads at once held ~230 MiB more)."""

import pyoxigraph as ox

from qgraph.corpus.store import bulk_extend


def _quads(n: int) -> list:
    g = ox.NamedNode("https://example.org/g")
    return [ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), ox.NamedNode("https://example.org/p"),
                    ox.Literal(str(i)), g) for i in range(n)]


def test_the_quads_are_loaded_a_part_at_a_time_and_all_of_them():
    quads = _quads(7)
    given: list[int] = []

    class Counting:
        def __init__(self) -> None:
            self.store = ox.Store()

        def bulk_extend(self, part: list) -> None:
            given.append(len(part))
            self.store.bulk_extend(part)

    counting = Counting()
    bulk_extend(counting, iter(quads), part=3)
    assert given == [3, 3, 1]
    whole = ox.Store()
    whole.bulk_extend(quads)
    assert set(counting.store) == set(whole) and len(counting.store) == 7
    given.clear()
    bulk_extend(counting, quads[:2], part=3)  # no more than a part: one call
    assert given == [2]
