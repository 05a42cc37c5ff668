"""Training precision: the choice per device and CPU, the config check, and bf16-mixed's loss against fp32."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ftflow.testing import run_ftflow
from ftflow_plugins.train import precision
from ftflow_plugins.train.precision import cpu_has_bf16, precision_problems, resolve_precision


def backend(device: str, bf16: bool = True) -> SimpleNamespace:
    return SimpleNamespace(device=lambda: device, use_bf16=lambda: device == "cuda" and bf16)


def test_cpu_flags_decide_bf16(tmp_path):
    with_bf16, without = tmp_path / "a", tmp_path / "b"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16 avx512vl\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    assert cpu_has_bf16(with_bf16) and not cpu_has_bf16(without)
    assert not cpu_has_bf16(tmp_path / "missing")  # not Linux: no bf16 claimed


@pytest.mark.parametrize("has_bf16, four_bit, expected", [(True, False, "bf16-mixed"), (False, False, "fp32"),
                                                          (True, True, "fp32")])
def test_cpu_default_is_bf16_mixed_only_with_native_instructions(monkeypatch, has_bf16, four_bit, expected):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: has_bf16)
    chosen = resolve_precision(None, backend("cpu"), four_bit)
    assert chosen.name == expected
    assert chosen.autocast == (expected != "fp32")
    import torch

    assert chosen.weights_dtype() is torch.float32  # master weights stay fp32 on CPU


def test_cuda_default_and_explicit_setting():
    import torch

    assert resolve_precision(None, backend("cuda")).name == "bf16"
    assert resolve_precision(None, backend("cuda")).weights_dtype() is torch.bfloat16
    assert resolve_precision(None, backend("cuda", bf16=False)).name == "fp32"
    assert resolve_precision("fp32", backend("cpu")).why == "method.precision"


def test_unknown_precision_is_a_config_error(tmp_path):
    assert precision_problems("fp16") and not precision_problems(None) and not precision_problems("bf16-mixed")
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", "method.precision=fp16")
    assert result.returncode == 2, result.stderr
    assert "method.precision" in result.stderr and "Traceback" not in result.stderr


def losses(home: Path, setting: str) -> list[float]:
    result = run_ftflow(home, "run", "recipe=smoke", "eval=none", "export=none", "method.max_steps=50",
                        "method.save_steps=100", f"method.precision={setting}")
    assert result.ok, result.stderr[-2000:]
    manifest = json.loads((home / "runs" / (home / "runs" / "last").read_text() / "manifest.json").read_text())
    train = manifest["stage_metadata"]["train"]
    assert train["precision"] == setting
    return [loss for _, loss in train["loss_curve"]]


def test_bf16_mixed_loss_stays_within_two_percent_of_fp32_over_50_steps(tmp_path):
    """The same 50 steps (same data order, same init) in fp32 and under bf16 autocast with fp32 master
    weights: the loss curves agree within 2% relative, step by step on average and at the end."""
    fp32 = losses(tmp_path / "home", "fp32")
    mixed = losses(tmp_path / "home", "bf16-mixed")
    assert len(fp32) == len(mixed) == 50
    assert fp32[-1] < fp32[0] - 0.5  # it learned something, so the comparison means something
    relative = [abs(b - a) / a for a, b in zip(fp32, mixed, strict=True)]
    assert sum(relative) / len(relative) <= 0.02, relative
    assert relative[-1] <= 0.02
    print(f"mean relative difference {sum(relative) / len(relative):.2e}, final {relative[-1]:.2e}")
