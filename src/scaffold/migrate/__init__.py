"""migrate stage."""
