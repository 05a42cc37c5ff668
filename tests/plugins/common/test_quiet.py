"""Third-party noise is silenced for a run (not at import of ftflow), unless --verbose."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from ftflow_plugins import backends
from ftflow_plugins.common import quiet

#: Writes the rag stage's LanceDB table (lance warns that none existed) and imports bitsandbytes (on CPUs
#: with AVX512-BF16 it warns that the kernels-community package is missing), quieted first or not.
NOISY = """
import sys, tempfile
from pathlib import Path
if sys.argv[1] == "quiet":
    from ftflow_plugins.common.quiet import quiet_third_party
    quiet_third_party()
from ftflow_plugins.rag.stores import LanceStore
LanceStore().write(Path(tempfile.mkdtemp()), [{"id": "a#0", "doc_id": "a"}], [[0.0, 1.0]], None)
import bitsandbytes
"""


@pytest.fixture
def environ(monkeypatch) -> dict[str, str]:
    """A private copy of the environment, so quieting this test process leaks into no other test."""
    copy = {k: v for k, v in os.environ.items() if k not in quiet.ENVIRONMENT and k != "FTFLOW_VERBOSE"}
    monkeypatch.setattr(os, "environ", copy)
    level = logging.getLogger("bitsandbytes").level
    yield copy
    logging.getLogger("bitsandbytes").setLevel(level)


def test_quiet_sets_each_switch_but_keeps_the_users(environ):
    environ["TRANSFORMERS_VERBOSITY"] = "info"
    quiet.quiet_third_party()
    assert environ["TRANSFORMERS_VERBOSITY"] == "info"
    assert all(environ[name] == value for name, value in quiet.ENVIRONMENT.items() if name != "TRANSFORMERS_VERBOSITY")
    assert logging.getLogger("bitsandbytes.backends.cpu.ops").getEffectiveLevel() == logging.ERROR


def test_run_started_quiets_only_without_verbose(environ):
    backends.ftflow_run_started(run_id="r", verbose=True)
    assert not set(quiet.ENVIRONMENT) & set(environ)
    backends.ftflow_run_started(run_id="r", verbose=False)
    assert set(quiet.ENVIRONMENT) <= set(environ)


def test_lance_and_bitsandbytes_print_nothing_once_quieted():
    env = {k: v for k, v in os.environ.items() if k not in quiet.ENVIRONMENT}
    loud = subprocess.run([sys.executable, "-c", NOISY, "loud"], capture_output=True, text=True, env=env)
    assert loud.returncode == 0, loud.stderr[-2000:]
    assert "No existing dataset" in loud.stderr  # the noise exists, so silencing it is tested
    silent = subprocess.run([sys.executable, "-c", NOISY, "quiet"], capture_output=True, text=True, env=env)
    assert silent.returncode == 0, silent.stderr[-2000:]
    assert silent.stderr == ""
    if "gemm_4bit_forward" not in loud.stderr:
        pytest.skip("bitsandbytes prints no kernels-community warning on this CPU (no AVX512-BF16)")
