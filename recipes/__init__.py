"""ftflow's built-in recipes: the Hydra config root (``config.yaml`` + groups + ``recipe/`` overlays)
and the shipped data sets (``datasets/``).  Installed as the package ``ftflow_recipes``; no code here."""
