"""Contracts of the component kinds a stage calls: training components (``adapter``, ``backend``,
``launcher``), the data ``format``, retrieval parts (``chunker``, ``vectorstore``, ``reranker``) and the
serve-time ``policy``.  A component is named in a recipe (``adapter=lora``, ``data.format=chat``,
``rag.chunker=headings``, ``serve.policies=[pii]``); its ``Config`` is validated with the stage's."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ftflow.errors import UserError
from ftflow.provider import Provider

if TYPE_CHECKING:
    from ftflow.stage import StageContext


# -- training -----------------------------------------------------------------------------------------
class Adapter(Provider):
    """Which weights train and how the base model loads (``adapter=full|lora|qlora``).

    ``load_model`` returns the model to train (transformers, imported inside); ``peft_config`` returns a
    ``peft`` config or None for full fine-tuning.  ``is_peft``: only adapter weights are trained and saved
    (the train artifact holds ``adapter/``); ``quantized_base``: the base keeps its own compute dtype.
    """

    kind = "adapter"
    is_peft: ClassVar[bool] = True
    quantized_base: ClassVar[bool] = False

    def load_model(self, path: Path, config: Any, backend: Any, task: str = "causal-lm",
                   tokenizer: Any = None, dtype: Any = None, **load_kwargs: Any) -> Any:
        raise NotImplementedError(f"adapter {self.name} does not implement load_model()")

    def peft_config(self, config: Any, task: str = "causal-lm") -> Any:
        return None


class Backend(Provider):
    """Device and dtype (``backend=auto|cpu|cuda``): ``device()`` is a torch device string; ``use_bf16()``
    and ``torch_dtype()`` follow from it.  Raise ``UserError`` from ``device()`` when it is absent."""

    kind = "backend"

    def device(self) -> str:
        raise NotImplementedError(f"backend {self.name} does not implement device()")

    def use_bf16(self) -> bool:
        return False

    def torch_dtype(self) -> Any:
        import torch

        return torch.bfloat16 if self.use_bf16() else torch.float32


class Launcher(Provider):
    """How many processes a training stage uses (``launcher=local|torchrun``).

    When ``should_relaunch(config)`` is true the method calls ``relaunch(ctx, config)`` instead of training
    in-process, and returns its metadata; ``training_args`` adds ``TrainingArguments`` (parallelism).
    """

    kind = "launcher"

    def should_relaunch(self, config: Any) -> bool:
        return False

    def relaunch(self, ctx: StageContext, config: Any) -> dict[str, Any]:
        raise NotImplementedError(f"launcher {self.name} does not implement relaunch()")

    def training_args(self, config: Any) -> dict[str, Any]:
        return {}


# -- data ---------------------------------------------------------------------------------------------
def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class DataFormat(Provider):
    """Turns one source row into a normalized row (``data.format=NAME``).

    ``normalize(row, where)`` returns ``{"messages": [...]}`` for ``output = "chat"`` (or ``{"prompt",
    "chosen", "rejected"}`` for ``preference``, ``{"prompt", "completion", "label"}`` for
    ``unpaired_preference``) and raises ``UserError(f"{where}: field 'x' ...")`` for a bad row: ``where`` is
    ``file:line``.  ``fields`` are the source columns, the targets of ``data.columns`` renames.
    """

    kind = "format"
    output: ClassVar[str] = "chat"
    fields: ClassVar[tuple[str, ...]] = ()

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        raise NotImplementedError(f"format {self.name} does not implement normalize()")

    def convert(self, row: dict[str, Any], where: str, columns: dict[str, str]) -> dict[str, Any]:
        """Rename mapped columns, normalize, and pass ``id`` and ``meta`` through."""
        row = dict(row)
        for field, source in columns.items():
            if source in row:
                row[field] = row.pop(source)
        out = self.normalize(row, where)
        if "id" in row:
            out = {"id": row["id"], **out}
        if "meta" in row:
            meta = _maybe_json(row["meta"])
            if not isinstance(meta, dict):
                raise UserError(f"{where}: field 'meta' must be an object")
            out["meta"] = meta
        return out


# -- retrieval ----------------------------------------------------------------------------------------
@dataclasses.dataclass
class Document:
    """One corpus document as the rag stage ingested it."""

    id: str
    title: str
    text: str
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Content hash over what chunking and embedding read (id, title, text)."""
        return hashlib.sha256(json.dumps([self.id, self.title, self.text]).encode()).hexdigest()


@dataclasses.dataclass
class Chunk:
    """A passage of a document: what is embedded, indexed and retrieved."""

    id: str
    doc_id: str
    title: str
    text: str
    heading: str = ""

    @property
    def indexed_text(self) -> str:
        """What the embedder and BM25 see: title, heading, then the passage."""
        head = " — ".join(p for p in (self.title, self.heading) if p)
        return f"{head}\n{self.text}" if head else self.text

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.indexed_text.encode()).hexdigest()

    def row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Chunker(Provider):
    """Splits a ``Document`` into ``Chunk``s (``rag.chunker``); ``size`` and ``overlap`` are in words.
    Chunk ids must be stable for unchanged text (embeddings are memoised by chunk)."""

    kind = "chunker"

    def chunk(self, doc: Document, size: int, overlap: int) -> list[Chunk]:
        raise NotImplementedError(f"chunker {self.name} does not implement chunk()")


class VectorStore(Provider):
    """Stores chunk vectors for the rag stage (``rag.store``).  ``write`` puts them under ``path`` (inside the
    rag artifact) or a server at ``url`` and returns a JSON-able description, which ``search`` gets back."""

    kind = "vectorstore"

    def write(self, path: Path, rows: list[dict[str, Any]], vectors: Any, url: str | None) -> dict[str, Any]:
        """Store ``rows`` (``Chunk.row()``: id, doc_id, ...) with their vectors (a float32 array, one row each)."""
        raise NotImplementedError(f"vector store {self.name} does not implement write()")

    def search(self, path: Path, info: dict[str, Any], vector: Any, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks, best first."""
        raise NotImplementedError(f"vector store {self.name} does not implement search()")


class Reranker(Provider):
    """Rescores retrieved passages (``rag.reranker``).  The rag stage calls ``build`` to put what readers
    need into ``root/reranker/``; readers call ``load(root, info)`` and score with the object it returns.
    ``needs`` names rag-stage inputs ``build`` reads (whole), e.g. ``("model",)``."""

    kind = "reranker"
    needs: ClassVar[tuple[str, ...]] = ()

    def build(self, root: Path, rows: list[dict[str, Any]], settings: Any, seed: int, work: Path,
              log: Any, ctx: Any = None) -> dict[str, Any]:
        """Write ``root/reranker/`` and return its ``index.json`` entry (must hold ``"reranker": name``).
        ``ctx`` is the rag stage's context (its inputs hold what ``needs`` names)."""
        raise NotImplementedError(f"reranker {self.name} does not implement build()")

    def load(self, root: Path, info: dict[str, Any]) -> Any:
        """An object with ``identity`` (a content digest), ``score(query, passages) -> list[float]`` (higher:
        more relevant) and ``score_many([(query, passages), ...])`` (every query's scores)."""
        raise NotImplementedError(f"reranker {self.name} does not implement load()")


# -- serving ------------------------------------------------------------------------------------------
class Refused(Exception):
    """A request or answer a policy refuses: the client gets ``message`` as the assistant's answer."""

    def __init__(self, policy: str, message: str) -> None:
        super().__init__(message)
        self.policy, self.message = policy, message


class Policy(Provider):
    """A serve-time guardrail (``serve.policies``, ``serve.routes[i].policies``) run by the gateway.

    ``check_request(text)`` raises ``Refused`` for a request that must not reach the model;
    ``check_output(text)`` returns (the answer to send, violations found) or raises ``Refused``.
    ``rewrites_output``: the answer may change, so a streamed answer is buffered whole.
    """

    kind = "policy"
    rewrites_output: ClassVar[bool] = False

    def __init__(self, config: Any = None) -> None:
        self.config = config if config is not None else self.Config()

    def check_request(self, text: str) -> None:
        """Raise Refused for a request that must not reach the model."""

    def check_output(self, text: str) -> tuple[str, int]:
        return text, 0
