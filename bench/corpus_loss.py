"""Mean token loss of two checkpoints on the same documents: the base model against a continued-pretrained one.

    python bench/corpus_loss.py BASE_DIR TUNED_DIR CORPUS.jsonl [DOCUMENTS] [TOKENS]

The checkpoints are HF directories (the model stage's ``model/`` and the export stage's merged ``model/`` of
a ``method=pretrain`` run, from ``ftflow show RUN --json``); each document's first TOKENS tokens are scored.
"""

from __future__ import annotations

import json
import sys
import time


def main(base: str, tuned: str, corpus: str, documents: int = 45, tokens: int = 256) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    with open(corpus) as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    step = max(1, len(texts) // documents)
    pieces = [tokenizer(t, add_special_tokens=False)["input_ids"][:tokens] for t in texts[::step][:documents]]
    for name, path in (("base", base), ("continued-pretrained", tuned)):
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
        total = count = 0.0
        started = time.time()
        with torch.no_grad():
            for ids in pieces:
                x = torch.tensor([ids])
                total += model(input_ids=x, labels=x).loss.item() * (len(ids) - 1)
                count += len(ids) - 1
        print(f"{name}: mean loss {total / count:.4f} over {int(count)} tokens of {len(pieces)} documents "
              f"({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(*args[:3], *(int(a) for a in args[3:5]))
