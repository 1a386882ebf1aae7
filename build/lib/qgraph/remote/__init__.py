"""Remote SPARQL stores: querying an endpoint and pushing the named graphs to it."""
