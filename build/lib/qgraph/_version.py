"""The version of qgraph, written once (the package, the command, the user agents, the wheel)."""

__version__ = "0.1.0"
