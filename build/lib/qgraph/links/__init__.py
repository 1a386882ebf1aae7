"""Links to other datasets: the reviewed SSSOM tables, the enrichment cache, the Wikidata refresh."""
