"""Contracts of the stage kinds: providers that run as a stage of the graph (``run(ctx) -> dict``).

A stage reads its upstream stages' artifacts (``ctx.inputs[name]``: ``.path``, ``.metadata`` — only the
keys it declares in ``reads`` — ``.digest`` and ``.settings``), writes files into ``ctx.output_dir`` and
returns a JSON-able dict.  ``ctx.output_dir`` is a temporary directory: ftflow renames it into the cache
when ``run`` returns, so never keep or write its path anywhere (refer to files by their path relative to
the artifact).  The returned dict is the stage's *metadata*: it is stored with the artifact, hashed into
its digest (less the keys listed in ``measurements``), shown by ``ftflow show``, and handed to readers
that declare the keys they read.  Keys every stage may return:

* ``metrics``: ``{variant: {metric: number}}`` (evaluators; collected into the run's manifest);
* ``intervals``: ``{variant: {metric: [lo, hi]}}``;
* ``report_md``: a markdown section for the run's report;
* ``notes``: lines ``ftflow show`` prints under the stage.

``layout`` (files of the artifact) and ``returns`` (metadata keys) describe what the built-in providers
of each kind write, which is what readers of that slot expect; a replacement provider writes the same.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ftflow.errors import UserError
from ftflow.provider import Provider

#: Metadata keys with a meaning for every stage (see the module docstring).
COMMON_RETURNS = {
    "metrics": "{variant: {metric: number}}: collected into the run manifest's 'metrics'",
    "intervals": "{variant: {metric: [lo, hi]}}: the manifest's 'intervals'",
    "report_md": "a markdown section of the run's report.md / report.html",
    "notes": "list of lines `ftflow show` prints under the stage",
}


class _Stage(Provider):
    """Common to the stage contracts: the artifact layout readers expect and the metadata it returns."""

    #: Files of the artifact (glob relative to it) -> what they hold.
    layout: ClassVar[dict[str, str]] = {}
    #: Metadata keys -> their meaning.
    returns: ClassVar[dict[str, str]] = {}


class ModelSource(_Stage):
    """The ``model`` slot (``model=``): the base model every later stage starts from.

    Inputs: none (external files are declared with ``external_inputs`` so their content enters the key).
    Components: ``backend``.
    """

    kind = "model"
    layout = {"model/*": "a Hugging Face checkpoint (config.json, weights, tokenizer with a chat template)",
              "gguf/*": "optional: the same weights as GGUF files llama.cpp reads (listed in metadata 'gguf')"}
    returns = {"model_dir": "'model'", "parameters": "parameter count", "architecture": "architecture names",
               "gguf": "optional {type: {file, sha256}}: llama.cpp readers use a file of their type instead of "
                       "converting the checkpoint"}


class DataSource(_Stage):
    """The ``data`` slot (``data=``): validated, normalized rows.

    Inputs: none; source files are ``external_inputs``.  Rows are normalized by a ``format`` component
    (``ftflow.kinds.DataFormat``): chat ``{"messages": [...]}``, preference ``{"prompt", "chosen",
    "rejected"}`` or unpaired preference ``{"prompt", "completion", "label"}``, with ``id``/``meta`` kept.
    """

    kind = "data"
    layout = {"train.jsonl": "normalized training rows", "eval.jsonl": "normalized eval rows (when data.eval is set)"}
    returns = {"format": "normalized row kind: chat | preference | unpaired_preference",
               "rows": "{split: count}", "max_length": "the token budget readers truncate to",
               "label_field": "the meta field holding a class label, or null"}


class Tokenizer(_Stage):
    """The ``tokenize`` slot (``tokenize=``): token ids and loss masks, cached apart from training.

    Inputs: ``model`` (the tokenizer files), ``data``, optionally ``rag`` (retrieved context).
    """

    kind = "tokenize"
    layout = {"train/*": "a datasets.Dataset saved with save_to_disk: input_ids, assistant_masks, ...",
              "eval/*": "the same for the eval split"}
    returns = {"rows": "rows written", "tokens": "tokens after truncation", "truncated": "rows cut at max_length",
               "max_length": "the token budget rows fit in (methods read it)"}


class RagIndexer(_Stage):
    """The ``rag`` slot (``rag=``): a retrieval index over a corpus.

    Inputs: ``data`` (optional).  Uses ``chunker``, ``vectorstore`` and ``reranker`` components.
    Options that change how readers query the index (``k``) are ``reader_settings``.
    """

    kind = "rag"
    layout = {"index/index.json": "what the readers load: mode (dense | bm25 | hybrid), embedder, chunker, "
                                  "a content digest, the vector store's description ({'store': 'none'} for bm25)",
              "index/chunks.jsonl": "one Chunk.row() per line (id, doc_id, title, text, heading) plus its digest",
              "index/*": "the rest: bm25/ (bm25s), the store's table, the reranker's files"}
    returns = {"chunks": "chunks indexed", "documents": "documents indexed"}


class Method(_Stage):
    """The ``train`` slot (``method=``): a training objective.

    Inputs: ``model``, ``data``, optionally ``tokenize``.  Components: ``adapter`` (which weights train and
    how the model loads), ``backend`` (device, dtype), ``launcher`` (how many processes).  Checkpoints go
    to ``ctx.work_dir`` (it survives a crash) so a rerun resumes.
    """

    kind = "method"
    layout = {"adapter/*": "a peft adapter (when the adapter component is_peft)",
              "model/*": "the fully trained checkpoint (otherwise)"}
    returns = {"peft": "true when adapter/ holds the weights", "objective": "the method's name",
               "loss_curve": "[[step, loss], ...] for reports and trackers"}


class Exporter(_Stage):
    """The ``export`` slot (``export=``) and each entry of ``exports: [...]``: deployable files.

    Inputs: ``model``, ``train`` (optional: without it the base model is exported), and every exporter
    that runs before this one, as ``export.<provider>`` (``export=gguf`` is ``export.gguf`` to the
    exporters listed in ``exports``).  Refer to an upstream exporter's files by their path relative to its
    artifact, copying or linking what the deployable folder needs: cache paths are no handle (gc may
    remove them, and they differ on every machine).
    """

    kind = "export"
    layout = {"model/*": "merged HF checkpoint (export=merged, or gguf with keep_merged)",
              "gguf/*.gguf": "one GGUF file per quantization type (export=gguf)"}
    returns = {"merged_from": "'train' or 'base'",
               "gguf": "{quant: {file, sha256, tensor_types, ...}} (export=gguf)",
               "files": "file names written"}


class Evaluator(_Stage):
    """The ``eval`` slot (``eval=``): measures variants (base, tuned, gguf, rag, ...).

    Inputs: ``model``, ``data``, optionally ``train``, ``export``, ``rag``.  Uses ``variant`` and ``metric``
    components; metric options come from the recipe (``eval.metric_options.<metric>.<option>``).
    """

    kind = "evaluator"
    layout = {"metrics.json": "{variant: {metric: value}}", "generations.jsonl": "one row per example and variant"}
    returns = {"metrics": COMMON_RETURNS["metrics"], "intervals": COMMON_RETURNS["intervals"],
               "report_md": COMMON_RETURNS["report_md"], "notes": COMMON_RETURNS["notes"]}


class Server(_Stage):
    """The ``serve`` slot (``serve=``): a serving spec checked with the graph; ``ftflow serve RUN`` runs it.

    The stage records what to serve (``run``); serving is a process, never a cached artifact.
    """

    kind = "server"
    layout = {"serve.json": "the validated serve config and the routes' JSON schemas"}
    returns = {"provider": "the server's name", "routes": "route names", "host": "bind address", "port": "port"}

    def available(self) -> str | None:
        """Why this server cannot start here (a missing package), or None."""
        return None

    def status(self, manifest: dict[str, Any], workspace: Any) -> list[str]:
        """``ftflow serve RUN --status``: lines describing a running or finished server."""
        return []

    def serve(self, manifest: dict[str, Any], config: Any, schemas: dict[str, Any], workspace: Any) -> int:
        """``ftflow serve RUN``: serve the run and block until Ctrl-C or SIGTERM, then stop; the exit status.

        ``manifest`` is the run's record (``stages``: name, artifact path, ...; or the record an exported
        folder's ``serve.yaml`` holds), ``config`` this server's validated ``Config`` (the recorded
        ``serve`` section with ``--host``/``--port`` applied), ``schemas`` the routes' JSON schemas from
        ``serve.json`` and ``workspace`` the ``ftflow.workspace.Workspace`` (e.g. its ``runs_dir`` for logs).
        Every server implements it: the stage only records what to serve."""
        raise UserError(f"serve={self.name}: this server does not implement serve() (ftflow.kinds.Server), "
                        f"so `ftflow serve` cannot start it")
