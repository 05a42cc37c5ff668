"""Secure defaults: loopback detection, the API key rule, config problems named by key."""

from __future__ import annotations

import pytest

from ftflow.config.schema import validate
from ftflow.errors import ConfigError
from ftflow_plugins.serve.config import Route, ServeConfig, api_key, api_keys, check, is_loopback
from ftflow_plugins.serve.llamacpp import LlamaCppServeConfig


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                           ("127.0.0.2", True), ("0.0.0.0", False), ("::", False),
                                           ("192.168.1.5", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_public_bind_needs_a_key():
    with pytest.raises(ConfigError, match=r"serve.host: 0.0.0.0 is not a loopback address.*\$FTFLOW_API_KEY"):
        api_key(ServeConfig(host="0.0.0.0"), environ={})
    assert api_key(ServeConfig(host="0.0.0.0"), environ={"FTFLOW_API_KEY": "k" * 16}) == "k" * 16
    assert api_key(ServeConfig(), environ={}) is None
    with pytest.raises(ConfigError, match="shorter than 8"):
        api_key(ServeConfig(api_key_env="FTFLOW_MY_KEY"), environ={"FTFLOW_MY_KEY": "short"})


def test_check_names_the_keys():
    config = ServeConfig(port=70000, max_tokens=0, default_route="nope",
                         routes=[Route("auto"), Route("a", target="other", patterns=["("]), Route("a")])
    problems = "; ".join(check(config))
    for expected in ("serve.port", "serve.max_tokens", "serve.routes[0].name", "serve.routes[1].target",
                     "serve.routes[1].patterns[0]", "serve.routes[2].name: 'a' is used", "serve.default_route"):
        assert expected in problems


def test_recipe_section_validates_nested_routes():
    config = validate(LlamaCppServeConfig, {"routes": [{"name": "t", "keywords": ["x"]}], "n_ctx": 1024},
                      prefix="serve")
    assert config.routes[0].keywords == ["x"] and config.n_ctx == 1024
    with pytest.raises(ConfigError, match=r"serve.routes\[0\].keyword: unknown key"):
        validate(LlamaCppServeConfig, {"routes": [{"name": "t", "keyword": ["x"]}]}, prefix="serve")


def test_api_key_env_names_only_ftflow_key_variables():
    # issue 22: api_key_env=PATH with a public bind answered `Bearer $PATH`
    with pytest.raises(ConfigError, match="serve.api_key_env: 'PATH' must name an FTFLOW_\\*KEY\\* variable"):
        api_key(ServeConfig(host="0.0.0.0", api_key_env="PATH"), environ={"PATH": "/usr/bin:/bin"})
    assert "serve.api_key_env" in "; ".join(check(ServeConfig(api_key_env="HOME")))
    keys = {"FTFLOW_TEAM_KEYS": "first-key-123, second-key-456"}
    assert api_keys(ServeConfig(api_key_env="FTFLOW_TEAM_KEYS"), environ=keys) == ["first-key-123", "second-key-456"]
