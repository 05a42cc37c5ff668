"""export=gguf: listed quants written with template, special tokens and read-back tensor types; cache
behaviour when only the quant list changes; recipe errors found before anything runs."""

from __future__ import annotations

import gguf_workspace as gguf

from ftflow.cache.digests import sha256_file
from ftflow.testing import run_ftflow


def test_writes_listed_quants_with_template_and_metadata(gguf_home):
    artifact, meta = gguf.export_artifact(gguf_home)
    assert meta["quants"] == list(gguf.QUANTS) and set(meta["gguf"]) == set(gguf.QUANTS)
    for quant, info in meta["gguf"].items():
        path = artifact / info["file"]
        assert info["file"] == f"gguf/model.{quant}.gguf" and path.is_file()
        assert info["bytes"] == path.stat().st_size and info["sha256"] == sha256_file(path)
        assert info["chat_template"] is True
        assert {"bos", "eos"} <= set(info["special_token_ids"])
        assert sum(info["tensor_types"].values()) == info["tensors"]
    # tiny-random's rows are 64/128 wide: q4_0 blocks (32) fit, so most tensors really are Q4_0.
    assert meta["gguf"]["q4_0"]["tensor_types"].get("Q4_0", 0) > 0
    assert meta["gguf"]["q8_0"]["file_type"] == "MOSTLY_Q8_0"
    assert [p["quant"] for p in meta["parity"]] == list(gguf.QUANTS) and all(p["ok"] for p in meta["parity"])
    assert not (artifact / "gguf" / "model.f16.gguf").exists()  # the 16-bit base stayed in the work dir


def test_gguf_carries_the_hf_chat_template(gguf_home):
    import gguf as gguf_lib

    artifact, _ = gguf.export_artifact(gguf_home)
    template = (artifact / "model" / "chat_template.jinja").read_text()
    reader = gguf_lib.GGUFReader(str(artifact / "gguf" / "model.q4_0.gguf"))
    field = reader.fields["tokenizer.chat_template"]
    assert bytes(field.parts[field.data[0]]).decode() == template


def test_merged_checkpoint_keeps_chat_template(gguf_home):
    from ftflow_plugins.common.hf import load_tokenizer
    from ftflow_plugins.export.merged import has_chat_template

    artifact, meta = gguf.export_artifact(gguf_home)
    assert meta["model_dir"] == "model" and has_chat_template(artifact / "model")
    assert "<|im_start|>" in load_tokenizer(artifact / "model").chat_template


def test_changing_only_the_quant_list_reruns_export_and_eval(gguf_home, tmp_path):
    home = gguf.fresh(gguf_home, tmp_path / "home")
    overrides = [o if not o.startswith("export.quant=") else "export.quant=[q8_0]" for o in gguf.RUN]
    result = run_ftflow(home, "run", *overrides)
    assert result.ok, result.stderr[-3000:]
    assert result.ran() == {"export", "eval"}
    assert set(result.manifest["metrics"]) == {"tuned", "gguf:q8_0"}


def test_recipe_errors_before_running(ftflow_home):
    bad = run_ftflow(ftflow_home, "plan", "recipe=smoke", "export=gguf", "export.quant=[q8_0,q9_9]")
    assert bad.returncode == 2 and "export.quant: unknown type 'q9_9'" in bad.stderr
    no_gguf = run_ftflow(ftflow_home, "plan", "recipe=smoke", "export=merged", "eval.variants=[tuned,gguf]")
    assert no_gguf.returncode == 2 and "export=merged writes none" in no_gguf.stderr
