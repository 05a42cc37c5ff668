"""Writing an ftflow plugin — the short version (the long one is ``docs/plugins.md``).

1. Write a provider class (``ftflow.provider.Provider``): ``name``, ``kind``, ``version``, a ``Config``
   dataclass and ``run(ctx)``.  Import heavy libraries inside ``run``.
2. In your plugin module, implement the registration hook::

       from ftflow.plugin import hookimpl

       @hookimpl
       def ftflow_register_providers(registry):
           registry.add(MyMetric)

3. Declare the module under the ``ftflow`` entry-point group in your ``pyproject.toml``::

       [project.entry-points.ftflow]
       my_plugin = "my_package.plugin"

   That is the only discovery route; ftflow's own built-ins use it too.  ``FTFLOW_DISABLE_PLUGINS=a,b``
   blocks entry points by name before they are imported.
4. Test it with the fixtures in ``ftflow.testing``.

Other hooks (see ``ftflow.plugin.spec``) observe stages (before/after/error) and contribute recipe
directories, so a plugin can ship its own group options (``export/my_format.yaml``).
"""

from __future__ import annotations

import pluggy

PROJECT = "ftflow"
ENTRY_POINT_GROUP = "ftflow"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["ENTRY_POINT_GROUP", "PROJECT", "hookimpl", "hookspec"]
