"""Scaffolds of the rag stage and of the server kind: a BM25 index that the built-in readers load, and an
OpenAI-compatible chat server over the run's model, each with tests that run it in tmp_path."""

from __future__ import annotations

from ftflow.scaffold.template import Template
from ftflow.scaffold.templates_training import TINY_MODEL

RAG = Template(
    kind="rag",
    try_it="ftflow run recipe=smoke rag={{name}} 'eval.variants=[base,tuned,rag]'",
    requires=("bm25s",),
    module='''\
"""The '{{name}}' rag indexer: a JSONL corpus chunked by the ``chunker`` component and indexed with BM25
(bm25s), no embedding model.  It writes the layout the built-in readers load (the ``rag`` and
``tuned_rag`` eval variants, ``tokenize.rag_context``): ``index/index.json`` (mode ``bm25``, no vector
store), ``index/chunks.jsonl`` and ``index/bm25/``.

``k``, ``context_words`` and ``metrics_k`` only tell readers how to query the index: they are reader
settings, so changing them reruns the readers and not the index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Document, RagIndexer
from ftflow.plugin import hookimpl
from ftflow.provider import Part


@dataclasses.dataclass
class {{Class}}Config:
    corpus: str = "datasets/{{name}}/corpus.jsonl"  # JSONL rows {"id", "title", "text"}
    chunker: str = "fixed"  # a chunker provider
    chunk_size: int = 120  # words
    chunk_overlap: int = 20
    k: int = 3  # documents per prompt (reader setting)
    context_words: int = 360  # words of passages per prompt (reader setting)
    metrics_k: int = 5  # recall@metrics_k measured by the eval stage (reader setting)

    def __post_init__(self) -> None:
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise UserError(f"chunk_overlap: {self.chunk_overlap} must be >= 0 and < chunk_size ({self.chunk_size})")


def read_corpus(path: Path) -> list[Document]:
    docs = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise UserError(f"{path}:{number}: field 'text' is missing or empty")
        docs.append(Document(str(row.get("id", number)), str(row.get("title", "")), row["text"]))
    return docs


class {{Class}}(RagIndexer):
    name = "{{name}}"
    version = "1"
    description = "BM25 index (bm25s) of a JSONL corpus, no embeddings"
    Config = {{Class}}Config
    libraries = ("bm25s",)
    reader_settings = ("k", "context_words", "metrics_k")

    def reads(self, config: {{Class}}Config) -> dict[str, Part | None]:
        return {}  # the corpus only (external_inputs)

    def uses(self, config: {{Class}}Config) -> list[tuple[str, str]]:
        return [("chunker", config.chunker)]

    def external_inputs(self, config: {{Class}}Config) -> dict[str, str]:
        return {"corpus": config.corpus}

    def run(self, ctx: Any) -> dict[str, Any]:
        import bm25s

        cfg: {{Class}}Config = ctx.config
        docs = read_corpus(ctx.resolve_path(cfg.corpus, "rag.corpus"))
        chunker = ctx.components[f"chunker.{cfg.chunker}"].provider
        chunks = [c for d in docs for c in chunker.chunk(d, cfg.chunk_size, cfg.chunk_overlap)]
        if not chunks:
            raise UserError(f"rag.corpus: {cfg.corpus} holds no text to index")
        root = ctx.output_dir / "index"
        root.mkdir()
        (root / "chunks.jsonl").write_text("".join(json.dumps({**c.row(), "digest": c.digest}) + "\\n" for c in chunks))
        index = bm25s.BM25()
        index.index(bm25s.tokenize([c.indexed_text for c in chunks], stopwords="en", show_progress=False),
                    show_progress=False)
        index.save(str(root / "bm25"))
        digest = hashlib.sha256(json.dumps([c.digest for c in chunks]).encode()).hexdigest()[:32]
        info = {"mode": "bm25", "embedder": None, "chunker": cfg.chunker, "digest": digest, "store": {"store": "none"}}
        (root / "index.json").write_text(json.dumps(info, indent=2))
        ctx.log(f"indexed {len(chunks)} chunks of {len(docs)} documents")
        return {"documents": len(docs), "chunks": len(chunks)}
''',
    test_imports=("import json", "import types", "from pathlib import Path", "import bm25s",
                  "from ftflow.kinds import Chunk, Chunker",
                  "from ftflow_{{name}}.plugin import read_corpus"),
    tests='''

class _Words(Chunker):
    name = "test_words"

    def chunk(self, doc, size, overlap):
        words = doc.text.split()
        starts = range(0, max(len(words) - overlap, 1), size - overlap)
        return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, " ".join(words[s:s + size])) for i, s in enumerate(starts)]


def test_the_index_finds_the_right_document(tmp_path):
    corpus = [{"id": "fees", "title": "Fees", "text": "The network fee is paid in gas to validators."},
              {"id": "keys", "title": "Keys", "text": "A seed phrase restores the wallet keys."}]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in corpus))
    out = tmp_path / "out"
    out.mkdir()
    ctx = types.SimpleNamespace(config={{Class}}.Config(corpus="corpus.jsonl", chunker="test_words"), output_dir=out,
                                components={"chunker.test_words": types.SimpleNamespace(provider=_Words())},
                                resolve_path=lambda value, key: tmp_path / value, log=print)
    assert {{Class}}().run(ctx) == {"documents": 2, "chunks": 2}
    assert json.loads((out / "index" / "index.json").read_text())["mode"] == "bm25"
    chunks = [json.loads(line) for line in (out / "index" / "chunks.jsonl").read_text().splitlines()]
    index = bm25s.BM25.load(str(out / "index" / "bm25"))
    hits, _ = index.retrieve(bm25s.tokenize(["how much gas is the fee"], stopwords="en", show_progress=False), k=1,
                             show_progress=False)
    assert chunks[int(hits[0][0])]["doc_id"] == "fees"


def test_the_sample_corpus_reads():
    assert len(read_corpus(Path(__file__).parents[1] / "ftflow_{{name}}" / "recipes" / {{Class}}.Config().corpus)) == 3
''',
    files={
        "recipes/rag/{{name}}.yaml": ("# Shipped by ftflow-{{name}}: BM25 over its sample corpus.\nprovider: {{name}}\n"
                                      "corpus: datasets/{{name}}/corpus.jsonl\nchunker: fixed\nk: 2\n"),
        "recipes/datasets/{{name}}/corpus.jsonl": (
            '{"id": "fees", "title": "Network fees", "text": "Every transfer pays a network fee in gas."}\n'
            '{"id": "seed", "title": "Seed phrases", "text": "Twelve words restore a wallet; never share them."}\n'
            '{"id": "swap", "title": "Swaps", "text": "A swap trades one token for another at the quoted rate."}\n'),
    },
    smoke=("recipe=smoke", "rag={{name}}", "eval.variants=[base,rag]"),
)

SERVER = Template(
    kind="server",
    try_it="ftflow run recipe=smoke serve={{name}} && ftflow serve last",
    requires=("torch", "transformers"),
    module='''\
"""The '{{name}}' server: an OpenAI-compatible ``POST /v1/chat/completions`` over the run's model with
transformers, on Python's own HTTP server (one request at a time; a starting point, not a production
server).

The serve stage checks the options with the graph and records them in ``serve.json``; ``ftflow serve
RUN`` calls ``serve(manifest, config, schemas, workspace)``, which serves the run's ``export=merged``
checkpoint (else the trained ``model/``, else the base model) until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import dataclasses
import http.server
import importlib.util
import json
import signal
import threading
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Server
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    host: str = "127.0.0.1"
    port: int = 8000
    max_tokens: int = 128  # the most a request may ask for

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:
            raise UserError(f"port: {self.port} is not a TCP port")


def model_dir(manifest: dict[str, Any]) -> Path:
    """The checkpoint a run leaves to serve: its merged export, else a fully trained model, else the base."""
    artifacts = {s["name"]: Path(s["artifact"]) for s in manifest["stages"]}
    for stage in ("export", "train", "model"):
        if stage in artifacts and (artifacts[stage] / "model" / "config.json").is_file():
            return artifacts[stage] / "model"
    raise UserError(f"run {manifest['run_id']} has no HF checkpoint to serve: run it with export=merged")


def make_server(path: Path, config: {{Class}}Config) -> http.server.ThreadingHTTPServer:
    """The HTTP server (bound, not yet serving) answering chat completions with the model at ``path``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModelForCausalLM.from_pretrained(str(path)).eval()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path != "/v1/chat/completions":
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                messages = request["messages"]
                limit = min(int(request.get("max_tokens", config.max_tokens)), config.max_tokens)
            except (ValueError, KeyError, TypeError) as exc:
                return self._send(400, {"error": {"message": f"bad request: {exc}"}})
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                return_dict=True)["input_ids"]
            with lock, torch.no_grad():
                out = model.generate(ids, max_new_tokens=limit, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
            new = out[0, ids.shape[1]:]
            answer = tokenizer.decode(new, skip_special_tokens=True)
            choice = {"index": 0, "message": {"role": "assistant", "content": answer},
                      "finish_reason": "length" if len(new) >= limit else "stop"}
            self._send(200, {"object": "chat.completion", "model": "{{name}}", "choices": [choice],
                             "usage": {"prompt_tokens": ids.shape[1], "completion_tokens": len(new)}})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    try:
        return http.server.ThreadingHTTPServer((config.host, config.port), Handler)
    except OSError as exc:
        raise UserError(f"serve.port: cannot listen on {config.host}:{config.port} ({exc.strerror})") from None


class {{Class}}(Server):
    name = "{{name}}"
    version = "1"
    description = "OpenAI-compatible chat completions over the run's HF model (transformers, http.server)"
    Config = {{Class}}Config
    libraries = ("torch", "transformers")

    def available(self) -> str | None:
        return None if importlib.util.find_spec("transformers") else "pip install transformers torch"

    def run(self, ctx: Any) -> dict[str, Any]:
        spec = {"provider": self.name, "config": dataclasses.asdict(ctx.config), "schemas": {}}
        (ctx.output_dir / "serve.json").write_text(json.dumps(spec, indent=2))
        return {"provider": self.name, "routes": ["chat"], "host": ctx.config.host, "port": ctx.config.port}

    def serve(self, manifest: dict[str, Any], config: Any, schemas: dict[str, Any], workspace: Any) -> int:
        server = make_server(model_dir(manifest), config)
        stop = threading.Event()
        previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        print(f"serving run {manifest['run_id']} on http://{host}:{port}/v1/chat/completions (Ctrl-C stops)",
              flush=True)
        try:
            stop.wait()
        finally:
            server.shutdown()
            server.server_close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0
''',
    test_imports=("import json", "import os", "import signal", "import threading", "import types",
                  "import urllib.request", "from ftflow_{{name}}.plugin import make_server"),
    tests=TINY_MODEL + '''

def _ask(port, content):
    body = json.dumps({"messages": [{"role": "user", "content": content}], "max_tokens": 4}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_it_answers_chat_completions(tmp_path):
    server = make_server(_tiny_model(tmp_path / "model"), {{Class}}.Config(port=0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = _ask(server.server_address[1], "what is a fee")
    finally:
        server.shutdown()
        server.server_close()
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert 1 <= answer["usage"]["completion_tokens"] <= 4


def test_serve_runs_until_sigterm(tmp_path):
    import socket

    _tiny_model(tmp_path / "export" / "model")
    manifest = {"run_id": "r1", "stages": [{"name": "export", "artifact": str(tmp_path / "export")}]}
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answers = []

    def client():
        for _ in range(600):
            try:
                answers.append(_ask(port, "what is a fee"))
                break
            except OSError:
                threading.Event().wait(0.1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=client, daemon=True).start()
    assert {{Class}}().serve(manifest, {{Class}}.Config(port=port), {}, None) == 0
    assert answers and answers[0]["object"] == "chat.completion"


def test_the_stage_records_the_spec(tmp_path):
    ctx = types.SimpleNamespace(config={{Class}}.Config(), output_dir=tmp_path)
    assert {{Class}}().run(ctx)["routes"] == ["chat"]
    assert json.loads((tmp_path / "serve.json").read_text())["config"]["port"] == 8000
''',
    files={"recipes/serve/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nport: 8000\n"},
    smoke=("recipe=smoke", "serve={{name}}"),
)

SERVING_TEMPLATES = (RAG, SERVER)
