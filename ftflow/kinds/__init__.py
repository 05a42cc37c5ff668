"""The public plugin API: one contract (a base class) per provider kind, versioned.

A third-party provider subclasses the contract of its kind and nothing from ``ftflow_plugins``; the
built-in providers subclass the same contracts, so what the built-ins rely on is what plugins get::

    from ftflow.kinds import Metric

    class FirstWord(Metric):
        name = "first_word"
        def score(self, prediction, reference, example): ...

Every contract is a ``ftflow.provider.Provider`` with its ``kind`` set (``name``, ``version``, ``Config``,
``libraries``, ``reads``, ``check``, ... are documented there).  Stage kinds implement ``run(ctx)``;
component kinds implement the methods their stage calls.  ``docs/plugins.md`` ("Reference: the kinds")
documents each one: its inputs, its artifact layout, what the returned metadata is for, its options.

**Versioning.**  ``API_VERSION`` is ``MAJOR.MINOR``: a minor release only adds (a new optional method
with a default, a new kind, a new metadata key); a major release may change or remove something a
plugin relies on and says so in docs/plugins.md.  A plugin that needs a feature checks
``api_at_least("1.1")`` (or pins the ftflow release that introduced it).

This package imports no plugin and no heavy library: ``ftflow plugins`` and ``ftflow plan`` stay fast.
"""

from __future__ import annotations

from ftflow.kinds.components import (
    Adapter,
    Backend,
    Chunk,
    Chunker,
    DataFormat,
    Document,
    Launcher,
    Policy,
    Refused,
    Reranker,
    VectorStore,
)
from ftflow.kinds.evaluation import Generator, Metric, Variant, mean
from ftflow.kinds.stages import (
    DataSource,
    Evaluator,
    Exporter,
    Method,
    ModelSource,
    RagIndexer,
    Server,
    Tokenizer,
)
from ftflow.provider import KINDS, Provider
from ftflow.sweep.execute import PointJob, SweepLauncher
from ftflow.tracking import Tracker

#: The plugin API's version, ``MAJOR.MINOR`` (see the module docstring).
API_VERSION = "1.0"

#: kind -> its contract.  A meta-test requires one for every kind in ``ftflow.provider.KINDS``, with a
#: reference section in docs/plugins.md, a scaffold (``ftflow plugin new NAME --kind KIND``) and a test.
CONTRACTS: dict[str, type[Provider]] = {
    cls.kind: cls for cls in (
        ModelSource, DataSource, Tokenizer, RagIndexer, Method, Exporter, Evaluator, Server,
        Adapter, Backend, Launcher, Metric, Variant, DataFormat, VectorStore, Chunker, Policy, Reranker,
        SweepLauncher, Tracker,
    )
}


def api_at_least(version: str) -> bool:
    """True when the installed plugin API is ``version`` or newer within the same major version."""
    want = tuple(int(p) for p in version.split("."))
    have = tuple(int(p) for p in API_VERSION.split("."))
    return have[0] == want[0] and have >= want


def contract_of(kind: str) -> type[Provider]:
    """The contract a provider of ``kind`` subclasses."""
    return CONTRACTS[kind]


__all__ = [
    "API_VERSION", "CONTRACTS", "KINDS", "Adapter", "Backend", "Chunk", "Chunker", "DataFormat", "DataSource",
    "Document", "Evaluator", "Exporter", "Generator", "Launcher", "Method", "Metric", "ModelSource", "PointJob",
    "Policy", "Provider", "RagIndexer", "Refused", "Reranker", "Server", "SweepLauncher", "Tokenizer", "Tracker",
    "Variant", "VectorStore", "api_at_least", "contract_of", "mean",
]
