"""Build ``harbor_lumen_mc.jsonl``: a small multiple-choice set for lm-eval-harness from the scenario corpora.

Each corpus document (defi_copilot's Harbor Finance docs, wallet_support's Lumen Wallet help center) gives one
item: a sentence from the document, and four titles to choose from — its own and three other documents of the
same kind, seeded.  Document ids and "HIP-N" numbers are masked so the answer is not a string match.  It is a
general-knowledge check of the domain (does tuning keep the model's grasp of the documents?), run offline by
the ``lm_eval`` evaluator.  Rerun after a corpus changes: ``python tools/datasets/lm_eval_build.py``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

#: The output folder, recipes/datasets/lm_eval/ (the generator itself stays out of the shipped recipes).
HERE = Path(__file__).resolve().parents[2] / "recipes" / "datasets" / "lm_eval"
CORPORA = [HERE.parent / "defi_copilot" / "corpus" / "corpus.jsonl",
           HERE.parent / "wallet_support" / "corpus" / "corpus.jsonl"]
_HIP = re.compile(r"\bHIP-\d+\b")


def passage(text: str) -> str | None:
    """The first prose sentence (not metadata, a heading, a table or a list item) with numbers masked."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("**", "#", "|", "-", "1.", "*")):
            continue
        sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
        sentence = _HIP.sub("this proposal", sentence)
        return sentence[:1].upper() + sentence[1:]
    return None


def title(doc: dict) -> str:
    return re.sub(r"^HIP-\d+:\s*", "", doc["title"])


def build(seed: int = 26) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for path in CORPORA:
        docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for doc in docs:
            text = passage(doc["text"])
            if not text:
                continue
            others = sorted({title(d) for d in docs if d["kind"] == doc["kind"] and title(d) != title(doc)})
            choices = [title(doc), *rng.sample(others, 3)]
            rng.shuffle(choices)
            items.append({"id": doc["id"], "passage": text, "choices": choices, "answer": choices.index(title(doc))})
    return items


if __name__ == "__main__":
    rows = build()
    (HERE / "harbor_lumen_mc.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(rows)} items")
