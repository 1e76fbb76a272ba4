"""What every stage leans on: the sandboxed templates, messages per language, all-or-nothing output, the data-only
cache, forked workers, limits and the one error type."""
