"""probeapp: a minimal stand-in for the copier project's runtime (scaffold's own tests)."""
