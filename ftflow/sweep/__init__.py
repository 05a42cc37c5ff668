"""Sweeps: many runs of one recipe that differ in a few keys, sharing the cache (``ftflow run -m``)."""
