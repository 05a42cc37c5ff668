"""Scaffolds of the component kinds: small, working providers a plugin author edits into their own."""

from __future__ import annotations

import json

from ftflow.scaffold.template import Template

METRIC = Template(
    kind="metric",
    try_it="ftflow run recipe=smoke eval={{name}}    # eval/{{name}}.yaml: the default evaluation plus it",
    module='''\
"""The '{{name}}' metric: does the answer start with the reference's first word?

Useful for classification-style answers ("Refund: ...", "yes, ...") where the first word carries the
decision.  Options are set from a recipe: ``eval.metric_options.{{name}}.ignore_case=false``.
"""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path
from typing import Any

from ftflow.kinds import Metric
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    """The metric's options: an unknown key or a wrong type is an error naming the key."""

    ignore_case: bool = True
    strip_punctuation: bool = True


class {{Class}}(Metric):
    """1.0 when the prediction's first word equals the reference's first word, else 0.0."""

    name = "{{name}}"
    version = "1"  # enters the cache key of every eval stage using it: bump it when scores change meaning
    description = "1 if the answer starts with the reference's first word"
    Config = {{Class}}Config

    def _first_word(self, text: str) -> str:
        words = text.split()
        word = words[0] if words else ""
        if self.config.strip_punctuation:
            word = word.strip(string.punctuation)
        return word.lower() if self.config.ignore_case else word

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        """None (not applicable) when the reference is empty; the evaluator averages the rest."""
        expected = self._first_word(reference)
        if not expected:
            return None
        return float(self._first_word(prediction) == expected)
''',
    tests='''

def test_score_compares_first_words():
    metric = {{Class}}()
    assert metric.score("Refund: the fee is returned.", "refund approved", {}) == 1.0
    assert metric.score("No refund.", "Refund approved", {}) == 0.0
    assert metric.score("anything", "   ", {}) is None


def test_options_change_the_score():
    strict = {{Class}}({{Class}}.Config(ignore_case=False, strip_punctuation=False))
    assert strict.score("refund approved", "Refund approved", {}) == 0.0
    assert strict.score("Refund, approved", "Refund approved", {}) == 0.0
''',
    files={"recipes/eval/{{name}}.yaml": '''\
# Shipped by ftflow-{{name}}: the default evaluation plus the {{name}} metric.
provider: generate
variants: [base, tuned]
metrics: [exact_match, token_f1, {{name}}]
metric_options:
  {{name}}: {ignore_case: true}
max_new_tokens: 16
max_examples: 4
'''},
    smoke=("recipe=smoke", "eval={{name}}"),
)

_QA = [("What is a seed phrase?", "The words that restore your wallet; never share them."),
       ("Can support see my private key?", "No. Support never asks for your private key."),
       ("Why is my transfer pending?", "The network is busy; it confirms once a block includes it."),
       ("How do I add a token?", "Open Assets, choose Add token and paste its contract address."),
       ("Is a gas fee refundable?", "No, a gas fee is paid to the network even if a transaction fails."),
       ("What is a testnet?", "A practice network whose coins have no value."),
       ("How do I export my history?", "Settings, then History, then Export as CSV."),
       ("Can I cancel a sent transfer?", "Only while it is pending, by replacing it with a higher fee."),
       ("What does slippage mean?", "How far the price may move before a swap is refused."),
       ("How do I lock the app?", "Settings, then Security, then enable the app lock.")]


def _jsonl(rows: list[tuple[str, str]]) -> str:
    return "".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in rows)


FORMAT = Template(
    kind="format",
    try_it="ftflow run recipe=smoke data={{name}}    # data/{{name}}.yaml: a sample set read through it",
    module='''\
"""The '{{name}}' data format: question/answer rows (optional system), normalized to chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import DataFormat
from ftflow.plugin import hookimpl


class {{Class}}(DataFormat):
    """``{"question": ..., "answer": ..., "system": ...}`` rows; ``data.columns`` can rename sources."""

    name = "{{name}}"
    version = "1"  # enters the cache key of the data stage: bump it when the normalized rows change
    description = "question/answer rows (optional system), normalized to chat"
    fields = ("question", "answer", "system")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        """Raise a one-line UserError naming the row (``where``) and the field when a row is bad."""
        for field in ("question", "answer"):
            value = row.get(field)
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{where}: field '{field}' is missing or empty")
        messages = [{"role": "user", "content": row["question"]},
                    {"role": "assistant", "content": row["answer"]}]
        system = row.get("system")
        if isinstance(system, str) and system.strip():
            messages.insert(0, {"role": "system", "content": system})
        return {"messages": messages}
''',
    test_imports=("import pytest", "from ftflow.errors import UserError"),
    tests='''

def test_normalize_makes_chat():
    row = {{Class}}().normalize({"question": "Hi?", "answer": "Hello.", "system": "Be brief."}, "row 1")
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]


def test_bad_row_names_the_field():
    with pytest.raises(UserError, match="row 3: field 'answer'"):
        {{Class}}().normalize({"question": "Hi?"}, "row 3")
''',
    files={"recipes/data/{{name}}.yaml": '''\
# Shipped by ftflow-{{name}}: its sample question/answer set, read through the {{name}} format.
provider: files
format: {{name}}
train: datasets/{{name}}/train.jsonl
eval: datasets/{{name}}/eval.jsonl
max_length: 128
quality:
  max_duplicate_fraction: null
  max_conflicts: null
  max_leakage: null
  max_truncated_fraction: null
''', "recipes/datasets/{{name}}/train.jsonl": _jsonl(_QA[:8]),
        "recipes/datasets/{{name}}/eval.jsonl": _jsonl(_QA[8:])},
    smoke=("recipe=smoke", "data={{name}}"),
)

CHUNKER = Template(
    kind="chunker",
    try_it="ftflow run recipe=defi_copilot rag.chunker={{name}}",
    module='''\
"""The '{{name}}' chunker: paragraphs, merged up to ``size`` words (a paragraph longer than that is cut)."""

from __future__ import annotations

import hashlib

from ftflow.kinds import Chunk, Chunker, Document
from ftflow.plugin import hookimpl


class {{Class}}(Chunker):
    """Keeps paragraphs whole where it can, so a passage never starts mid-thought."""

    name = "{{name}}"
    version = "1"  # enters the rag stage's key: bump it when chunks change
    description = "paragraphs merged up to rag.chunk_size words"

    def chunk(self, doc: Document, size: int, overlap: int) -> list[Chunk]:
        pieces: list[str] = []
        for paragraph in (p.strip() for p in doc.text.split("\\n\\n")):
            words = paragraph.split()
            while len(words) > size:
                pieces.append(" ".join(words[:size]))
                words = words[size - overlap:] if overlap < size else words[size:]
            if not words:
                continue
            if pieces and len(pieces[-1].split()) + len(words) <= size:
                pieces[-1] = f"{pieces[-1]}\\n\\n{' '.join(words)}"
            else:
                pieces.append(" ".join(words))
        # ids depend on the text only: unchanged passages keep their memoised embeddings
        return [Chunk(f"{doc.id}#{hashlib.sha256(text.encode()).hexdigest()[:12]}", doc.id, doc.title, text)
                for text in pieces]
''',
    test_imports=("from ftflow.kinds import Document",),
    tests='''

def test_paragraphs_are_kept_whole_and_merged_up_to_size():
    doc = Document("d1", "Fees", "one two three\\n\\nfour five\\n\\nsix seven eight nine ten eleven")
    chunks = {{Class}}().chunk(doc, size=5, overlap=0)
    assert [c.text for c in chunks] == ["one two three\\n\\nfour five", "six seven eight nine ten", "eleven"]
    assert all(c.doc_id == "d1" for c in chunks)
    assert chunks[0].id == {{Class}}().chunk(doc, size=5, overlap=0)[0].id  # stable ids
''',
)

VECTORSTORE = Template(
    kind="vectorstore",
    try_it="ftflow run recipe=defi_copilot rag.store={{name}}",
    module='''\
"""The '{{name}}' vector store: exact cosine search over a JSON file inside the rag artifact."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ftflow.kinds import VectorStore
from ftflow.plugin import hookimpl


class {{Class}}(VectorStore):
    """No server and no index structure: fine up to some ten thousand chunks."""

    name = "{{name}}"
    version = "1"
    description = "exact cosine search over vectors stored as JSON in the artifact"

    def write(self, path: Path, rows: list[dict[str, Any]], vectors: Any, url: str | None) -> dict[str, Any]:
        path.mkdir(parents=True, exist_ok=True)
        table = [{"id": row["id"], "vector": [float(x) for x in vector]} for row, vector in zip(rows, vectors)]
        (path / "vectors.json").write_text(json.dumps(table))
        return {"store": self.name, "file": "vectors.json", "rows": len(table)}

    def search(self, path: Path, info: dict[str, Any], vector: Any, k: int) -> list[tuple[str, float]]:
        query = [float(x) for x in vector]
        qnorm = math.sqrt(sum(x * x for x in query)) or 1.0
        scored = []
        for item in json.loads((path / info["file"]).read_text()):
            norm = math.sqrt(sum(x * x for x in item["vector"])) or 1.0
            scored.append((item["id"], sum(a * b for a, b in zip(query, item["vector"])) / (qnorm * norm)))
        return sorted(scored, key=lambda pair: -pair[1])[:k]
''',
    tests='''

def test_search_returns_the_nearest_first(tmp_path):
    store = {{Class}}()
    info = store.write(tmp_path, [{"id": "a"}, {"id": "b"}, {"id": "c"}], [[1, 0], [0, 1], [1, 1]], None)
    hits = store.search(tmp_path, info, [1, 0.1], k=2)
    assert [h[0] for h in hits] == ["a", "c"] and hits[0][1] > hits[1][1]
''',
)

RERANKER = Template(
    kind="reranker",
    try_it="ftflow run recipe=defi_copilot rag.reranker={{name}}",
    module='''\
"""The '{{name}}' reranker: the share of the question's words found in each passage (no model)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ftflow.kinds import Reranker
from ftflow.plugin import hookimpl

_WORD = re.compile(r"[a-z0-9]+")


class _Overlap:
    identity = "{{name}}:1"

    def score(self, query: str, passages: list[str]) -> list[float]:
        words = set(_WORD.findall(query.lower()))
        return [len(words & set(_WORD.findall(p.lower()))) / (len(words) or 1) for p in passages]

    def score_many(self, pairs: list[tuple[str, list[str]]]) -> list[list[float]]:
        return [self.score(query, passages) for query, passages in pairs]


class {{Class}}(Reranker):
    """A baseline any learned reranker should beat."""

    name = "{{name}}"
    version = "1"
    description = "question-word overlap, no model"

    def build(self, root: Path, rows: list[dict[str, Any]], settings: Any, seed: int, work: Path,
              log: Any, ctx: Any = None) -> dict[str, Any]:
        (root / "reranker").mkdir(parents=True, exist_ok=True)
        (root / "reranker" / "{{name}}.json").write_text(json.dumps({"version": self.version}))
        return {"reranker": self.name}

    def load(self, root: Path, info: dict[str, Any]) -> Any:
        return _Overlap()
''',
    tests='''

def test_passages_sharing_the_question_words_score_higher(tmp_path):
    reranker = {{Class}}()
    info = reranker.build(tmp_path, [], None, 0, tmp_path, print)
    scorer = reranker.load(tmp_path, info)
    low, high = scorer.score("what is the gas fee", ["a seed phrase", "the gas fee is paid"])
    assert high > low and info == {"reranker": "{{name}}"}
''',
)

COMPONENT_TEMPLATES = (METRIC, FORMAT, CHUNKER, VECTORSTORE, RERANKER)
