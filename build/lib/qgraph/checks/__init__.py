"""The checks: evidence quotes against their sources, SHACL, SPARQL checks, and the report."""
