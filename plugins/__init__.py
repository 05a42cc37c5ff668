"""ftflow's built-in plugins, installed as ``ftflow_plugins`` and registered through the ``ftflow``
entry-point group exactly like third-party plugins.  One sub-package per plugin; heavy libraries are
imported inside the functions that need them.
"""
