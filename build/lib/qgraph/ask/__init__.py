"""Asking the graph (the package is `ask`, so that `qgraph.query` stays the API function): the competency-question catalogue, entity cards, counts, printed results."""
