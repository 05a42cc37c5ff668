"""Chat-template parity: SmolLM2's template passes; an altered HF template fails with a readable diff."""

from __future__ import annotations

import gguf_workspace as gguf
import pytest

from ftflow_plugins.common.hf import load_tokenizer
from ftflow_plugins.export.parity import CONVERSATIONS, TemplateParityError, check_parity


@pytest.fixture(scope="module")
def exported(gguf_home):
    artifact, _ = gguf.export_artifact(gguf_home)
    return load_tokenizer(artifact / "model"), artifact / "gguf" / "model.q8_0.gguf"


def test_parity_passes_for_smollm2_template(exported):
    tokenizer, path = exported
    assert check_parity(tokenizer, path) == {"file": path.name, "conversations": len(CONVERSATIONS), "ok": True}


def test_altered_template_fails_with_diff(exported):
    tokenizer, path = exported
    original = tokenizer.chat_template
    assert "message['role'] + '\n'" in original
    tokenizer.chat_template = original.replace("message['role'] + '\n'", "message['role'] + ': '")
    try:
        with pytest.raises(TemplateParityError) as info:
            check_parity(tokenizer, path)
    finally:
        tokenizer.chat_template = original
    text = str(info.value)
    assert f"chat template parity failed for {path.name} ({len(CONVERSATIONS)}/{len(CONVERSATIONS)}" in text
    assert "conversation 'system+user'" in text and "first difference at token" in text
    assert "':'" in text and "'\\n'" in text  # the differing pieces are shown on both sides
