"""The defaults that ship with qgraph (generated at build time)."""
