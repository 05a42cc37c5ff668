"""Run records: ``manifest.json`` (``manifest``) and the human report (``markdown``)."""
