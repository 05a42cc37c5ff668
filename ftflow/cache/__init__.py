"""The content-addressed cache: keys (``keys``), file digests (``digests``), the atomic store (``store``)."""
