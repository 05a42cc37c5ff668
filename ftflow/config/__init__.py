"""Recipe configuration: Hydra composition (``compose``), provider schemas (``schema``), recipe paths."""
