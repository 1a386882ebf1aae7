"""Publishing: the exports (Turtle, N-Triples, N-Quads, TriG, JSON-LD, framed views)."""
