"""``python -m ftflow_plugins.serve.llamacpp_app SETTINGS_FILE``: llama-cpp-python's own server app
(``serve.server: llama-cpp-python``, one request at a time) on a Unix socket.

``python -m llama_cpp.server`` listens only on TCP, where its ``/docs`` and ``/openapi.json`` need no key;
here the same app listens on the socket named in the settings file (``uds``), and the file, which holds
the internal key, is deleted as soon as it is read.
"""

from __future__ import annotations

import json
import os
import sys


def main(path: str) -> None:
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ConfigFileSettings, ServerSettings

    with open(path, "rb") as handle:
        raw = json.load(handle)
    os.unlink(path)
    uds = raw.pop("uds")
    settings = ConfigFileSettings.model_validate(raw)
    app = create_app(server_settings=ServerSettings.model_validate(settings), model_settings=settings.models)
    uvicorn.run(app, uds=uds, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1])
