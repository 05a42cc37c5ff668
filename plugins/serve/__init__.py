"""Serving (``serve=``): OpenAI-compatible servers for a run's model behind ftflow's router, which holds
the API key, the request limits and the routing rules (``ftflow serve RUN``)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.serve.llamacpp import LlamaCppServer
from ftflow_plugins.serve.policy import BUILT_IN
from ftflow_plugins.serve.vllm import VllmServer


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(LlamaCppServer)
    registry.add(VllmServer)
    for policy in BUILT_IN:
        registry.add(policy)
