"""The corpus: the folder a user works in, read into one store (loading, terms, the store)."""
