"""Evaluation during training (``method.eval_steps``), early stopping with the best checkpoint kept, and the
``method.trainer_args`` passthrough, on the smoke model for sft, dpo and reward."""

from __future__ import annotations

import pytest

from .conftest import PREFERENCE, SMOKE, ftflow, run_smoke

#: The preference pairs double as the held-out split (the smoke preference set has no eval file).
PREFERENCE_EVAL = [*PREFERENCE, "+data.eval=datasets/smoke/preference.jsonl"]


def _report(home) -> tuple[str, str]:
    run = home / "runs" / (home / "runs" / "last").read_text()
    return (run / "report.md").read_text(), (run / "report.html").read_text()


def test_sft_eval_loss_is_logged_and_plotted(home):
    meta = run_smoke(home, "method.max_steps=8", "method.eval_steps=4")
    assert [step for step, _ in meta["eval_loss_curve"]] == [4, 8]
    assert meta["final_eval_loss"] == meta["eval_loss_curve"][-1][1] and meta["stopped_early"] is False
    markdown, html = _report(home)
    assert "eval loss" in markdown and "over 2 evaluations" in markdown
    assert "final eval loss" in html and "data:image/png;base64," in html
    # the passthrough reaches TrainingArguments: NEFTune noise on the embeddings changes the training loss
    noisy = run_smoke(home, "method.max_steps=8", "method.eval_steps=4", "method.trainer_args={neftune_noise_alpha: 50.0}")
    assert [s for s, _ in noisy["loss_curve"]] == [s for s, _ in meta["loss_curve"]]
    assert noisy["loss_curve"] != meta["loss_curve"]


def test_early_stopping_stops_when_eval_loss_rises(home):
    """A learning rate far too high: the eval loss falls, then rises, and training stops after two evals
    without a new best; the best checkpoint's step is recorded (its weights are the ones saved)."""
    meta = run_smoke(home, "method.max_steps=30", "method.learning_rate=1.0", "method.eval_steps=2",
                     "method.early_stopping_patience=2")
    curve = meta["eval_loss_curve"]
    best_step, best = min(curve, key=lambda point: point[1])
    assert meta["stopped_early"] is True and meta["steps"] < 30
    assert meta["best_step"] == best_step and meta["best_eval_loss"] == best
    assert [step for step, _ in curve][-2:] == [meta["steps"] - 2, meta["steps"]]
    assert all(loss >= best for step, loss in curve if step > best_step)  # no new best after it: it stopped
    markdown, _ = _report(home)
    assert "stopped early" in markdown and f"at step {best_step}" in markdown


@pytest.mark.parametrize("method", ["dpo", "reward"])
def test_preference_methods_evaluate_on_the_held_out_pairs(home, method):
    meta = run_smoke(home, f"method={method}", *PREFERENCE_EVAL, "method.max_steps=4", "method.eval_steps=2",
                     "method.early_stopping_patience=3")
    assert [step for step, _ in meta["eval_loss_curve"]] == [2, 4] and meta["steps"] == 4
    assert meta["best_step"] in (2, 4) and meta["stopped_early"] is False


@pytest.mark.parametrize(("overrides", "expected"), [
    (["method.trainer_args={max_grad_nrom: 1.0}"],
     "method.trainer_args.max_grad_nrom: not a TrainingArguments field (did you mean max_grad_norm"),
    (["method.trainer_args={learning_rate: 1.0}"], "method.trainer_args.learning_rate: ftflow sets this field; "
                                                   "use method.learning_rate"),
    (["method.early_stopping_patience=2"], "method.early_stopping_patience needs method.eval_steps"),
    (["method.eval_steps=0"], "method.eval_steps must be positive"),
    (["method=dpo", *PREFERENCE, "method.eval_steps=2"], "needs eval.jsonl from the data stage"),
    (["method=grpo", *PREFERENCE, "method.eval_steps=2"], "grpo has no held-out loss"),
])
def test_bad_settings_stop_at_plan(tmp_path, overrides, expected):
    proc = ftflow(tmp_path, "plan", *SMOKE, *overrides)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and expected in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_eval_split_is_read_only_with_eval_steps():
    """Without eval_steps a new eval set does not retrain; with it the held-out split enters the train key."""
    from ftflow_plugins.train.preference import PreferenceConfig, PreferenceMethod
    from ftflow_plugins.train.sft import SftConfig, SftMethod

    assert SftMethod().reads(SftConfig())["tokenize"].files == ("train/*",)
    assert SftMethod().reads(SftConfig(eval_steps=4))["tokenize"].files == ("train/*", "eval/*")
    assert PreferenceMethod().reads(PreferenceConfig())["data"].files == ("train.jsonl",)
    assert PreferenceMethod().reads(PreferenceConfig(eval_steps=4))["data"].files == ("train.jsonl", "eval.jsonl")
