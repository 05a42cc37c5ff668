"""The provider contract: what a plugin implements to become a stage, a component or a metric.

A provider is a class with a few class attributes and one method that does the work:

* ``name`` and ``kind`` identify it (``ftflow plugins`` lists them); recipes select it by name.
* ``version`` enters the cache key of every stage it runs: bump it when outputs change meaning.
* ``Config`` is a dataclass: the schema of its recipe section.  Unknown keys and wrong types are
  reported with the key path and the valid keys before anything runs.
* ``input_files`` narrows which upstream files enter the key (see the attribute).
* ``code_modules`` names helper modules outside the provider's package whose source enters the key.
* ``libraries`` names distributions whose installed versions enter the cache key (read from metadata,
  never imported).
* ``run(ctx)`` writes files into ``ctx.output_dir`` and returns a JSON-able metadata dict.

Heavy libraries are imported inside ``run`` (or helpers it calls), never at module level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ftflow.graph import Stage
    from ftflow.stage import StageContext

#: Provider kinds.  Stage kinds run as stages of the graph; component kinds configure a stage.
STAGE_KINDS = ("model", "data", "tokenize", "rag", "method", "export", "evaluator", "server")
COMPONENT_KINDS = ("adapter", "backend", "launcher", "metric", "variant", "format", "vectorstore", "chunker")
KINDS = STAGE_KINDS + COMPONENT_KINDS


@dataclasses.dataclass
class NoConfig:
    """Schema of a provider without options."""


@dataclasses.dataclass
class Estimate:
    """A rough, cheap forecast shown by ``ftflow plan``; any field may be unknown (None)."""

    tokens: int | None = None
    memory_gb: float | None = None
    seconds: float | None = None


class Provider:
    """Base class of every provider; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    Config: ClassVar[type] = NoConfig
    libraries: ClassVar[tuple[str, ...]] = ()
    #: Per input name, glob patterns of the upstream files this stage actually reads.  Only those
    #: files' digests enter the key (not the upstream metadata), e.g. a tokenizer stage that reads
    #: ``model/tokenizer*`` is not re-run when only the weights change.  Unlisted inputs count whole.
    input_files: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Input names this provider reads; None means every input its slot offers.  An optional upstream
    #: stage that no provider consumes is left out of the graph (DPO reads raw preference rows, so the
    #: chat tokenize stage is dropped for it).
    consumes: ClassVar[tuple[str, ...] | None] = None
    #: Extra modules (dotted names) whose source enters the code fingerprint, e.g. shared helpers.
    code_modules: ClassVar[tuple[str, ...]] = ()

    def external_inputs(self, config: Any) -> Mapping[str, Path | str]:
        """Files or directories outside the cache that this stage reads; their *content* digests enter
        the key.  Relative paths are resolved like data paths: current directory, then recipe dirs."""
        return {}

    def reads(self, config: Any) -> tuple[str, ...] | None:
        """Input names this stage reads with this config (None: every input its slot offers).  Defaults to
        ``consumes``; override it when a setting decides, so that an input read only with some setting
        enters the key only then (a tokenizer that reads the retrieval index only to add passages)."""
        return self.consumes

    def uses(self, config: Any) -> list[tuple[str, str]]:
        """Other providers (kind, name) this stage calls, e.g. the metrics an evaluator computes.

        They are looked up when the graph is built (a typo lists the available ones), enter the stage's
        cache key, and reach ``run`` as ``ctx.components["kind.name"]``.
        """
        return []

    def check(self, stage: Stage, upstream: Mapping[str, Stage]) -> list[str]:
        """Problems with this stage's combination with others, found before anything runs."""
        return []

    def estimate(self, stage: Stage) -> Estimate | None:
        """A cheap forecast for ``ftflow plan``; must not import heavy libraries."""
        return None

    def run(self, ctx: StageContext) -> dict[str, Any]:
        """Do the stage's work into ``ctx.output_dir`` and return metadata (metrics go under 'metrics')."""
        raise NotImplementedError(f"provider {self.kind}:{self.name} cannot run as a stage")
