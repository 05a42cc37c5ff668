"""An example third-party ftflow plugin (installed by the tests through its entry point)."""
