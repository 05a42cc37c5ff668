"""ftflow-harbor-fixture: a copy of a package written against docs/plugins.md (ftflow.kinds) alone.

Used by tests/e2e/test_third_party.py: a ShareGPT format, a json_keys metric, an Ollama Modelfile exporter.
"""
