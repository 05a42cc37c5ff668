"""The provider contract: what a plugin implements to become a stage, a component or a metric.

A provider is a class with a few class attributes and one method that does the work:

* ``name`` and ``kind`` identify it (``ftflow plugins`` lists them); recipes select it by name.
* ``version`` enters the cache key of every stage it runs: bump it when outputs change meaning.
* ``Config`` is a dataclass: the schema of its recipe section.  Unknown keys and wrong types are
  reported with the key path and the valid keys before anything runs.
* ``reads(config)`` says which inputs, and which *part* of each (files, metadata keys), ``run`` reads:
  only that enters the key (``part(...)`` builds one), so e.g. training is not redone for a new eval set.
* ``reader_settings`` names config fields that only tell readers how to use the artifact (a retrieval
  index's ``k``): they leave this stage's key and enter the key of every stage that reads it.
* ``code_modules`` names helper modules whose source enters the key besides the provider's own module
  and the modules it imports from its package (found by reading the source; see ``ftflow.keys.code_files``).
* ``libraries`` names distributions whose installed versions enter the cache key (read from metadata,
  never imported).
* ``run(ctx)`` writes files into ``ctx.output_dir`` and returns a JSON-able metadata dict.

Heavy libraries are imported inside ``run`` (or helpers it calls), never at module level.

The types the contract's methods take live here too, so the contract needs no higher module: ``Stage``
and ``Component`` (a node of the graph and its components; ``ftflow.graph`` re-exports them) and
``StageContext`` with its ``Artifact`` inputs (``ftflow.stage`` re-exports them).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ftflow.config.paths import resolve_data_path

if TYPE_CHECKING:
    from ftflow.cache.memo import Memo

#: Provider kinds.  Stage kinds run as stages of the graph; component kinds configure a stage.
STAGE_KINDS = ("model", "data", "tokenize", "rag", "method", "export", "evaluator", "server")
COMPONENT_KINDS = ("adapter", "backend", "launcher", "metric", "variant", "format", "vectorstore", "chunker",
                   "policy", "reranker")
#: Kinds that act around runs rather than inside one: where a sweep's points run (``ftflow run -m``) and
#: where a finished run is logged (experiment trackers, ``ftflow.tracking``).
RUN_KINDS = ("sweep_launcher", "tracker")
KINDS = STAGE_KINDS + COMPONENT_KINDS + RUN_KINDS


@dataclasses.dataclass
class NoConfig:
    """Schema of a provider without options."""


@dataclasses.dataclass(frozen=True)
class Part:
    """The part of one input artifact a stage reads: files (glob patterns relative to the artifact,
    ``*`` crosses ``/``) and keys of the upstream metadata.  Only that part's content enters the key, and
    ``ctx.inputs[name].metadata`` holds only these keys, so an undeclared read shows up in tests."""

    files: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.files and not self.metadata

    def matches(self, relpath: str) -> bool:
        return any(fnmatch.fnmatchcase(relpath, p) for p in self.files)


def part(*files: str, metadata: Iterable[str] = ()) -> Part:
    """``part("train/*", metadata=["max_length"])``: what a stage reads of one input (see ``Provider.reads``).
    ``part()`` reads nothing of it: the input only orders the graph and feeds ``check``."""
    return Part(tuple(files), tuple(metadata))


#: What ``Provider.reads`` returns: input names (read whole), or input name -> Part (None: whole).
Reads = tuple[str, ...] | Mapping[str, Part | None] | None


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
    #: Shorthand for ``reads``: per input name, glob patterns of the upstream files this stage reads
    #: (no metadata), e.g. a tokenizer that reads ``model/tokenizer*`` is not re-run when only the weights
    #: change.  ``reads`` wins where both name an input.
    input_files: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Input names this provider reads; None means every input its slot offers.  An optional upstream
    #: stage that no provider consumes is left out of the graph (DPO reads raw preference rows, so the
    #: chat tokenize stage is dropped for it).
    consumes: ClassVar[tuple[str, ...] | None] = None
    #: Config fields that do not change this stage's artifact, only how readers use it (a retrieval index's
    #: ``k``): they are left out of this stage's key, enter the key of each stage that reads this one, and
    #: reach those readers as ``ctx.inputs[name].settings``.  Readers take them from there, never from the
    #: artifact (a cached artifact was built under other values).
    reader_settings: ClassVar[tuple[str, ...]] = ()
    #: Extra modules (dotted names) whose source enters the code fingerprint, e.g. shared helpers of another
    #: package or modules loaded by name; imports within the provider's own package are followed anyway.
    code_modules: ClassVar[tuple[str, ...]] = ()
    #: Metadata keys ``run`` returns that measure this execution rather than describe the artifact
    #: (timings, throughput, peak memory, host paths): they go to the entry's unhashed ``record`` and the
    #: run manifest, never into the artifact's digest or a reader's inputs, so keys match across machines.
    measurements: ClassVar[tuple[str, ...]] = ()

    def external_inputs(self, config: Any) -> Mapping[str, Path | str]:
        """Files or directories outside the cache that this stage reads; their *content* digests enter
        the key.  Relative paths are resolved like data paths: current directory, then recipe dirs."""
        return {}

    def reads(self, config: Any) -> Reads:
        """What this stage reads with this config: the rule is *exactly what ``run`` reads*, because that
        and nothing else enters the key.  None: every input its slot offers, whole.  A tuple: those inputs,
        whole.  A mapping: input name -> ``part(...)`` (files and metadata keys) or None (whole), e.g.
        ``{"model": None, "tokenize": part("train/*", metadata=["max_length"])}`` keeps a trainer cached
        when only the eval split changes.  Defaults to ``consumes``; let a setting decide where it does
        (a tokenizer reads the retrieval index only to add passages)."""
        return self.consumes

    def uses(self, config: Any) -> list[tuple[str, str]] | list[tuple[str, str, str]]:
        """Other providers (kind, name) this stage calls, e.g. the metrics an evaluator computes.

        They are looked up when the graph is built (a typo lists the available ones), enter the stage's
        cache key, and reach ``run`` as ``ctx.components["kind.name"]``.  A third element names the config
        key that chose the provider (``data.sources[1].format``), so an unknown name is reported there
        rather than at the section.
        """
        return []

    def check(self, stage: Stage, upstream: Mapping[str, Stage]) -> list[str]:
        """Problems with this stage's combination with others, found before anything runs."""
        return []

    def provides(self, config: Any) -> tuple[str, ...] | None:
        """Files (relative paths) this stage's artifact will hold with this config, or None (not declared).
        Readers' ``requires`` are checked against it when the graph is built."""
        return None

    def requires(self, config: Any) -> Mapping[str, Mapping[str, str]]:
        """Per input name, the files (glob patterns) ``run`` cannot work without, each with the fix for
        its absence, e.g. ``{"data": {"eval.jsonl": "set data.eval"}}``.  Checked against the upstream
        stage's ``provides`` before anything runs, so a missing split stops a run before training, not
        after it."""
        return {}

    def estimate(self, stage: Stage) -> Estimate | None:
        """A cheap forecast for ``ftflow plan``; must not import heavy libraries."""
        return None

    def run(self, ctx: StageContext) -> dict[str, Any]:
        """Do the stage's work into ``ctx.output_dir`` and return metadata (metrics go under 'metrics')."""
        raise NotImplementedError(f"provider {self.kind}:{self.name} cannot run as a stage")


@dataclasses.dataclass(frozen=True)
class ProviderInfo:
    """A registered provider: what ``ftflow plugins`` prints for it, and its class."""

    name: str
    kind: str
    version: str
    package: str
    package_version: str
    cls: type[Provider]


@dataclasses.dataclass(frozen=True)
class Component:
    """A provider that configures a stage without being one (an adapter, a backend, a launcher)."""

    kind: str
    info: ProviderInfo
    config: Any

    @cached_property
    def provider(self) -> Provider:
        return self.info.cls()


@dataclasses.dataclass(frozen=True)
class Stage:
    """One node: a provider, its validated config and the upstream stages it reads, by input name.

    Immutable: the runner hands providers and hooks a copy carrying the ``key`` it computed
    (``dataclasses.replace``); the graph's own stages never change."""

    name: str
    kind: str
    info: ProviderInfo
    config: Any
    inputs: dict[str, str] = dataclasses.field(default_factory=dict)
    components: dict[str, Component] = dataclasses.field(default_factory=dict)
    key: str | None = None
    #: The recipe section that configures it (``method`` for the train stage); names config keys in ``plan``.
    group: str = ""
    #: What ``key`` hashes (``ftflow.keys.key_payload``); kept in the cache entry for ``plan``.
    key_payload: dict[str, Any] | None = None

    @property
    def section(self) -> str:
        return self.group or self.name

    @property
    def plugin(self) -> str:
        return self.info.name

    @cached_property
    def provider(self) -> Provider:
        return self.info.cls()


@dataclasses.dataclass
class Artifact:
    """A finished stage's output directory and the metadata its provider returned (only the keys the reader
    declares in ``Provider.reads``, where it declares a part), plus the upstream's reader settings."""

    path: Path
    digest: str
    metadata: dict[str, Any]
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class StageContext:
    """Everything a provider's ``run`` may use; it writes only into ``output_dir`` and ``work_dir``.

    ``memo`` stores small content-keyed items across runs (e.g. generations per variant).
    ``work_dir`` survives a crash (it is keyed by the stage's cache key), so long stages put their
    checkpoints there and resume from them when the same stage runs again.
    """

    stage: Stage
    inputs: dict[str, Artifact]
    output_dir: Path
    work_dir: Path
    seed: int
    recipe_dirs: list[Path]
    log: Callable[[str], None] = print
    memo: Memo | None = None

    @property
    def config(self) -> Any:
        return self.stage.config

    @property
    def components(self) -> dict[str, Component]:
        return self.stage.components

    def resolve_path(self, value: str, key: str) -> Path:
        """Resolve a data path named by the recipe (see ``ftflow.config.paths.resolve_data_path``)."""
        return resolve_data_path(value, self.recipe_dirs, key)


def read_parts(provider: Provider, config: Any) -> tuple[frozenset[str] | None, dict[str, Part]]:
    """``provider.reads(config)`` normalised: the input names it reads (None: every one its slot offers)
    and the inputs it reads only part of, with ``input_files`` folded in; the others count whole."""
    declared = provider.reads(config)
    parts = {n: Part(tuple(p)) for n, p in provider.input_files.items()}
    if declared is None:
        return None, parts
    if isinstance(declared, Mapping):
        parts.update({n: p for n, p in declared.items() if p is not None})
    return frozenset(declared), {n: p for n, p in parts.items() if n in declared}


def unmet_requirements(stage: Stage, upstream: Mapping[str, Stage]) -> list[str]:
    """What ``stage`` requires of its inputs that the upstream stages declare they will not write."""
    import fnmatch

    problems = []
    for name, files in stage.provider.requires(stage.config).items():
        source = upstream.get(name)
        provided = source.provider.provides(source.config) if source is not None else None
        if provided is None:  # no such input (the slot check reports it) or nothing declared
            continue
        for pattern, fix in files.items():
            if not any(fnmatch.fnmatchcase(f, pattern) for f in provided):
                problems.append(f"needs {pattern} from the {name} stage ({source.plugin}), which it does not "
                                f"write with this config: {fix}")
    return problems
