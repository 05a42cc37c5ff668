"""The regression gate on the smoke recipe: a bar the tuned model cannot reach fails the run (exit 1) with
the table on stderr; the eval results stay cached and in the report; a reachable bar passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _ftflow(home, *args):
    return subprocess.run([sys.executable, "-m", "ftflow", "run", "recipe=smoke", *args], capture_output=True,
                          text=True, env={**os.environ, "FTFLOW_HOME": str(home)}, timeout=600)


def test_gate_fails_the_run_with_a_table_then_passes(tmp_path):
    failed = _ftflow(tmp_path, "+eval.gate.thresholds.tuned.token_f1=1.01", "eval.gate.no_worse_than.variant=base")
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert "regression gate failed: 1 of 3 checks" in failed.stderr
    assert "Traceback" not in failed.stderr
    row = next(line for line in failed.stderr.splitlines() if line.strip().startswith("threshold"))
    assert row.split()[:3] == ["threshold", "tuned", "token_f1"] and row.split()[-2:] == ["1.0100", "FAIL"]
    run_dir = tmp_path / "runs" / (tmp_path / "runs" / "last").read_text()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and set(manifest["metrics"]) == {"base", "tuned"}
    gate = manifest["stage_metadata"]["eval"]["gate"]
    assert not gate["passed"] and [c["passed"] for c in gate["checks"]].count(False) == 1
    assert "Regression gate: FAILED" in (run_dir / "report.md").read_text()
    assert "data:image/png;base64," in (run_dir / "report.html").read_text()

    passed = _ftflow(tmp_path, "+eval.gate.thresholds.tuned.token_f1=0.0")
    assert passed.returncode == 0, passed.stderr[-2000:]
    assert "5 cached" in passed.stdout  # only eval reran (its generations came from the memo)
    assert "generations from the memo" in passed.stdout
