"""eval.constrained: every variant decodes under the JSON schema (xgrammar on transformers, the grammar on
llama.cpp) and the manifest, report and ``ftflow show`` say how each variant decoded; mixed modes are flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ftflow_plugins.evaluate.decoding import decoding_markdown, decoding_notes

SCHEMA = {"type": "object", "properties": {"label": {"enum": ["refund", "other"]}}, "required": ["label"],
          "additionalProperties": False}


def _run(home, cwd, *args):
    return subprocess.run([sys.executable, "-m", "ftflow", "run", "recipe=smoke", "eval.json_schema=schema.json",
                           "eval.metrics=[json_schema]", "eval.max_new_tokens=24", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "FTFLOW_HOME": str(home)}, timeout=600)


def test_constrained_decodes_every_variant_under_the_schema_on_both_engines(tmp_path):
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    for engine, by in (("hf", "xgrammar"), ("llamacpp", "grammar")):
        done = _run(tmp_path / "home", tmp_path, f"eval.engine={engine}", "eval.constrained=true")
        assert done.returncode == 0, done.stderr[-3000:]
        run_dir = tmp_path / "home" / "runs" / (tmp_path / "home" / "runs" / "last").read_text()
        manifest = json.loads((run_dir / "manifest.json").read_text())
        eval_meta = manifest["stage_metadata"]["eval"]
        assert eval_meta["decoding"] == {v: {"engine": engine, "sampling": "greedy",
                                              "constrained": f"json schema ({by})"} for v in ("base", "tuned")}
        # a random model cannot write this JSON by itself: every answer is schema-valid only under the constraint
        assert {v: m["json_schema"] for v, m in manifest["metrics"].items()} == {"base": 1.0, "tuned": 1.0}, engine
        assert f"every variant decoded greedy under the JSON schema ({by})" in eval_meta["notes"][0]
        assert f"| base | {engine} | greedy | json schema ({by}) |" in (run_dir / "report.md").read_text()
        artifact = next(st["artifact"] for st in manifest["stages"] if st["name"] == "eval")
        exported = json.loads((Path(artifact) / "lm_eval_tuned.json").read_text())  # lm-eval's results layout
        assert exported["results"]["ftflow_generate"]["json_schema,none"] == 1.0
    free = _run(tmp_path / "home", tmp_path, "eval.engine=hf")  # default: the engine's variants decode free
    assert free.returncode == 0, free.stderr[-3000:]
    show = subprocess.run([sys.executable, "-m", "ftflow", "show", "last"], capture_output=True, text=True,
                          env={**os.environ, "FTFLOW_HOME": str(tmp_path / "home"), "COLUMNS": "300"})
    assert "eval: every variant decoded greedy without the JSON schema" in show.stdout
    missing = subprocess.run([sys.executable, "-m", "ftflow", "plan", "recipe=smoke", "eval.constrained=true"],
                             capture_output=True, text=True, env={**os.environ, "FTFLOW_HOME": str(tmp_path / "home")})
    assert missing.returncode == 2 and "eval.constrained=true decodes under eval.json_schema" in missing.stderr


def test_mixed_decoding_is_flagged():
    decoding = {"tuned": {"engine": "llamacpp", "sampling": "greedy", "constrained": "no"},
                "gguf:q8_0": {"engine": "llamacpp", "sampling": "greedy", "constrained": "json schema (grammar)"}}
    note = decoding_notes(decoding, schema_set=True)[0]
    assert note.startswith("decoding differs between variants") and "gguf:q8_0: llamacpp greedy, under the JSON" in note
    assert any(line.startswith("**Mixed decoding:**") for line in decoding_markdown(decoding))
    assert decoding_notes({"base": decoding["tuned"]}, schema_set=False) == []
