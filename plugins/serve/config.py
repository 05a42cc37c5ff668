"""The ``serve:`` section shared by every server provider, and the security rules applied to it.

Why here and not per provider: the API key, the bind address and the request limits are enforced by
ftflow's own proxy in front of every backend, so they mean the same thing for llama.cpp and vLLM.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from typing import Any

from ftflow.errors import ConfigError
from ftflow_plugins.serve.targets import LOCAL_TARGETS

#: The model name that asks the router to choose (any name that is not a route also does).
AUTO = "auto"
_KEY_ENV = re.compile(r"^FTFLOW_[A-Z0-9_]*KEY[A-Z0-9_]*$")
_ROUTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclasses.dataclass
class Route:
    """One served model name and the rules that send an ``auto`` request to it."""

    name: str
    #: tuned (this run's model), merged (the same, as one merged checkpoint: vLLM), base (its base model),
    #: run:<RUN_ID> or recipe:<NAME> (that run's tuned model)
    target: str = "tuned"
    keywords: list[str] = dataclasses.field(default_factory=list)  # whole words, case-insensitive
    patterns: list[str] = dataclasses.field(default_factory=list)  # Python regexes, case-insensitive
    examples: list[str] = dataclasses.field(default_factory=list)  # for embedding similarity
    #: JSON schema file (recipe data path) whose shape the answers of this route must follow
    json_schema: str | None = None
    #: guardrails for this route only (added to serve.policies), e.g. [{name: pii}]
    policies: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ServeConfig:
    """Options every server provider accepts (providers subclass it to add their own)."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Environment variable holding the API key(s), comma-separated (never the keys themselves: recipes
    #: land in run records); only names matching FTFLOW_*KEY*, so a recipe cannot point it at $PATH.
    api_key_env: str = "FTFLOW_API_KEY"
    max_body_bytes: int = 1_000_000
    max_tokens: int = 512
    max_prompts: int = 8  # prompts in one /v1/completions list
    max_messages: int = 256
    max_json_depth: int = 32
    max_concurrent: int = 16  # requests forwarded at once; more wait in a queue
    max_queue: int = 64  # waiting requests; beyond it 429
    rate_limit_per_min: int = 600  # per API key (0: none)
    header_timeout_s: float = 10.0  # request line and headers
    body_timeout_s: float = 30.0
    idle_timeout_s: float = 5.0  # keep-alive connections without a request
    log_prompts: bool = False  # request log (serve/requests.jsonl) with the user's text
    #: guardrails for every route (plugin kind `policy`: json_schema, blocked_topics, pii, moderation)
    policies: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    routes: list[Route] = dataclasses.field(default_factory=list)
    default_route: str | None = None  # where ``auto`` goes when no rule matches (default: the first route)
    similarity_threshold: float = 0.35  # min cosine similarity to a route's examples
    startup_timeout_s: float = 120.0
    request_timeout_s: float = 600.0


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach; unknown host names count as public."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def api_keys(config: ServeConfig, environ: dict[str, str] | None = None) -> list[str]:
    """The API keys in ``$serve.api_key_env`` (comma-separated); refuses a public bind address without one."""
    if not _KEY_ENV.match(config.api_key_env):
        raise ConfigError("serve.api_key_env", f"'{config.api_key_env}' must name an FTFLOW_*KEY* variable "
                                               f"(e.g. FTFLOW_API_KEY)")
    env = os.environ if environ is None else environ
    keys = [k.strip() for k in (env.get(config.api_key_env) or "").split(",") if k.strip()]
    if not keys and not is_loopback(config.host):
        raise ConfigError("serve.host", f"{config.host} is not a loopback address: set an API key in "
                                        f"${config.api_key_env} (serve.api_key_env) to bind it")
    if any(len(k) < 8 for k in keys):
        raise ConfigError("serve.api_key_env", f"${config.api_key_env} holds a key shorter than 8 characters")
    return keys


def api_key(config: ServeConfig, environ: dict[str, str] | None = None) -> str | None:
    """The first API key, or None (loopback without a key)."""
    keys = api_keys(config, environ)
    return keys[0] if keys else None


def check(config: ServeConfig) -> list[str]:
    """Problems with a serve section, all at once (used before a run and before serving)."""
    problems = []
    if not 0 <= config.port <= 65535:
        problems.append(f"serve.port: {config.port} is not a port number")
    if config.max_tokens < 1:
        problems.append(f"serve.max_tokens: must be positive, got {config.max_tokens}")
    if config.max_body_bytes < 1024:
        problems.append(f"serve.max_body_bytes: must be at least 1024, got {config.max_body_bytes}")
    if not _KEY_ENV.match(config.api_key_env):
        problems.append(f"serve.api_key_env: '{config.api_key_env}' must name an FTFLOW_*KEY* variable")
    for key in ("max_prompts", "max_messages", "max_json_depth", "max_concurrent", "max_queue"):
        if getattr(config, key) < 1:
            problems.append(f"serve.{key}: must be positive, got {getattr(config, key)}")
    for key in ("header_timeout_s", "body_timeout_s", "idle_timeout_s"):
        if getattr(config, key) <= 0:
            problems.append(f"serve.{key}: must be positive, got {getattr(config, key)}")
    names = [r.name for r in config.routes]
    for i, route in enumerate(config.routes):
        key = f"serve.routes[{i}]"
        if not _ROUTE_NAME.match(route.name) or route.name == AUTO:
            problems.append(f"{key}.name: '{route.name}' must be a short name of letters, digits, '_.-' "
                            f"and not '{AUTO}'")
        if names.count(route.name) > 1:
            problems.append(f"{key}.name: '{route.name}' is used by more than one route")
        if not (route.target in LOCAL_TARGETS or route.target.startswith(("run:", "recipe:"))):
            problems.append(f"{key}.target: '{route.target}' is not tuned, merged, base, run:<RUN_ID> or "
                            f"recipe:<NAME>")
        for j, pattern in enumerate(route.patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{key}.patterns[{j}]: invalid regex {pattern!r} ({exc})")
    if config.default_route is not None and config.default_route not in names:
        problems.append(f"serve.default_route: '{config.default_route}' is not a route "
                        f"(routes: {', '.join(names) or 'none'})")
    return problems
