"""``python -m ftflow_plugins.serve.slots SETTINGS_FILE``: a llama.cpp server that decodes concurrent
requests together (``serve.server: slots``, the default of serve=llamacpp).

llama-cpp-python's own server answers one request at a time.  Here up to ``slots`` requests share each
``llama_decode`` (continuous batching, as plugins/llamacpp/batch.py does for eval): one context whose KV
cache all slots share (llama.cpp's unified cache, as llama-server uses by default), a scheduler thread that
feeds every active slot's next token (and new prompts' tokens) in one batch, and a slot that finishes takes
the next waiting request in the same step.  On a
CPU the weights' matrix products then run on several tokens at once, which is where the aggregate
tokens/s come from (bench/serve.py).  Each request samples with its own temperature, top_p, seed,
penalties and logit_bias; stop strings are held back from a stream until they cannot match.

Requests that need a grammar (``response_format``) or log-probabilities go through llama-cpp-python's
``create_chat_completion`` / ``create_completion`` on a second context, one at a time.  The settings file
(the internal key) is deleted once read; the server listens on a Unix socket and checks the key on
every route.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import json
import os
import queue
import sys
import threading
import time
import uuid
from typing import Any

CHAT, COMPLETIONS = "/v1/chat/completions", "/v1/completions"
MIN_REUSE = 8  # shortest shared prompt prefix worth copying from the prefix stream


@dataclasses.dataclass
class Job:
    """One request in the scheduler: its tokens, sampling settings and where its text goes."""

    tokens: list[int]
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] = dataclasses.field(default_factory=list)
    presence: float = 0.0
    frequency: float = 0.0
    bias: dict[int, float] = dataclasses.field(default_factory=dict)
    sink: Any = None  # callable(kind, value) run in the event loop: ("text", str) | ("end", finish_reason)
    stream: bool = True  # False: the text goes in one ("text", ...) with the end, not token by token
    cancelled: bool = False
    # scheduler state
    seq: int = -1
    pos: int = 0
    pending: list[int] = dataclasses.field(default_factory=list)
    generated: list[int] = dataclasses.field(default_factory=list)
    next_token: int | None = None
    text: str = ""
    sent: int = 0
    rng: Any = None
    decoder: Any = None

    @property
    def seq_id(self) -> int:
        """The KV stream's id, under the name ``fill_batch`` reads."""
        return self.seq


class Engine:
    """The scheduler thread over one multi-sequence context."""

    def __init__(self, llm: Any, slots: int, n_ctx: int, n_batch: int = 512, start: bool = True,
                 threads: int | None = None, unified: bool = True) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self.llm, self.slots, self.n_ctx, self.n_batch = llm, slots, n_ctx, n_batch
        params = type(llm.context_params).from_buffer_copy(llm.context_params)
        # a sequence per slot, and one more (seq ``slots``) holding a recent prompt whose prefix new requests
        # copy instead of recomputing it (the chat template's system prompt is the same in every request)
        params.n_ctx, params.n_batch, params.n_ubatch = (slots + 1) * n_ctx, n_batch, n_batch
        params.n_seq_max = slots + 1
        # unified: one KV buffer for all sequences.  Every step is then one graph computation whatever ids
        # are active (with a stream per sequence, llama.cpp runs only consecutive ids together, so the gaps
        # finished requests leave split a step: fill_batch), and copying a prompt prefix shares its cells
        # instead of copying a whole stream.  The price: attention walks other sequences' cells too, which
        # flash attention skips as masked (a few % at these context sizes; bench/RESULTS.md).
        params.kv_unified = unified
        if threads is not None:
            params.n_threads = params.n_threads_batch = threads
        self.ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self.batch = _internals.LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=1, verbose=False)
        self.vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self.is_eog = lambda t: llama_cpp.llama_vocab_is_eog(self.vocab, t)
        self.waiting: queue.Queue[Job] = queue.Queue()
        self.cache_seq, self.cached = slots, []  # the prefix stream and the tokens it holds
        self.reused = 0  # prompt tokens copied from the prefix stream instead of computed
        self.widest = 0  # most sequences one decode step has advanced (1 would mean no batching at all)
        self.thread = threading.Thread(target=self._loop, name="slots", daemon=True)
        if start:
            self.thread.start()

    def submit(self, job: Job) -> None:
        import numpy as np

        job.rng = np.random.default_rng(None if job.seed is None else job.seed % 2**64)
        job.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        job.pending = list(job.tokens)
        self.waiting.put(job)

    def _loop(self) -> None:
        try:
            self._schedule()
        except BaseException:  # a broken engine must not leave requests hanging: exit, the gateway restarts it
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            os._exit(70)

    def _schedule(self) -> None:
        free, active = list(range(self.slots))[::-1], []
        while True:
            while free and (not active or not self.waiting.empty()):
                try:
                    job = self.waiting.get(timeout=None if not active else 0)
                except queue.Empty:
                    break
                if job.cancelled:
                    continue
                job.seq, job.pos = min(free), 0  # the lowest free stream: contiguous ids batch (fill_batch)
                free.remove(job.seq)
                self._reuse(job)
                active.append(job)
            for job in [j for j in active if j.cancelled]:  # clients that went away
                self.ctx.kv_cache_seq_rm(job.seq, -1, -1)
                free.append(job.seq)
                active.remove(job)
            rows = self._fill(active)
            if not self.batch.batch.n_tokens:
                continue
            b = self.batch.batch
            self.widest = max(self.widest, len({b.seq_id[i][0] for i in range(b.n_tokens)}))
            self.ctx.decode(self.batch)
            for row, job in rows:
                if not job.generated and job.next_token is None:  # its prompt is now in the KV cache
                    self._remember(job)
                reason = self._step(job, row)
                if reason is not None:
                    self.ctx.kv_cache_seq_rm(job.seq, -1, -1)
                    free.append(job.seq)
                    active.remove(job)
                    job.sink("end", reason)

    def _reuse(self, job: Job) -> None:
        """Start ``job`` from the prefix stream's KV cells for the prompt tokens it shares with it."""
        import llama_cpp

        shared, limit = 0, min(len(self.cached), len(job.tokens) - 1)  # its last token must be computed
        while shared < limit and self.cached[shared] == job.tokens[shared]:
            shared += 1
        if shared >= MIN_REUSE:  # copy it all (shared cells; a separate stream would be copied whole), trim
            llama_cpp.llama_memory_seq_cp(self.ctx.memory, self.cache_seq, job.seq, -1, -1)
            self.ctx.kv_cache_seq_rm(job.seq, shared, -1)
            job.pos, job.pending = shared, list(job.tokens[shared:])
            self.reused += shared

    def _remember(self, job: Job) -> None:
        """Keep ``job``'s prompt in the prefix stream when the one there does not serve it."""
        import llama_cpp

        shared = next((i for i, (a, b) in enumerate(zip(self.cached, job.tokens, strict=False)) if a != b),
                      min(len(self.cached), len(job.tokens)))
        if shared >= MIN_REUSE and shared >= len(self.cached) // 2:
            return
        self.ctx.kv_cache_seq_rm(self.cache_seq, -1, -1)
        llama_cpp.llama_memory_seq_cp(self.ctx.memory, job.seq, self.cache_seq, -1, -1)  # holds just the prompt
        self.cached = list(job.tokens)

    def _fill(self, active: list[Job]) -> list[tuple[int, Job]]:
        """One step: each generating slot's next token, then prompt tokens up to ``n_batch``."""
        from ftflow_plugins.llamacpp.batch import fill_batch

        return fill_batch(self.batch.batch, active, self.n_batch)

    def _step(self, job: Job, row: int) -> str | None:
        """Sample the slot's next token and pass on its text; the finish reason once it is done."""
        import numpy as np

        logits = np.ctypeslib.as_array(self.ctx.get_logits_ith(row), shape=(self.n_vocab,))
        if job.bias or job.presence or job.frequency:
            logits = logits.astype(np.float32)  # a copy: the context's buffer stays as llama.cpp wrote it
        for token, value in job.bias.items():
            if 0 <= token < self.n_vocab:
                logits[token] += value
        if job.generated and (job.presence or job.frequency):
            ids, counts = np.unique(job.generated, return_counts=True)
            logits[ids] -= job.presence + job.frequency * counts
        if job.temperature <= 0:
            token = int(logits.argmax())
        else:
            probs = np.exp((logits - logits.max()) / job.temperature)
            probs /= probs.sum()
            if job.top_p < 1:
                order = np.argsort(-probs)
                keep = order[: int(np.searchsorted(np.cumsum(probs[order]), job.top_p)) + 1]
                mask = np.zeros_like(probs)
                mask[keep] = probs[keep]
                probs = mask / mask.sum()
            token = int(job.rng.choice(self.n_vocab, p=probs))
        if self.is_eog(token):
            self._emit(job, final=True)
            return "stop"
        job.generated.append(token)
        job.text += job.decoder.decode(self.llm.detokenize([token]))
        for stop in job.stop:
            at = job.text.find(stop, max(0, job.sent - len(stop)))
            if at >= 0:
                job.text = job.text[:at]
                self._emit(job, final=True)
                return "stop"
        if len(job.generated) >= job.max_tokens or job.pos >= self.n_ctx:
            self._emit(job, final=True)
            return "length"
        job.next_token = token
        self._emit(job)
        return None

    @staticmethod
    def _emit(job: Job, final: bool = False) -> None:
        """Send the text that no stop string can still claim."""
        if not (job.stream or final):
            return
        hold = 0 if final else max((len(s) - 1 for s in job.stop), default=0)
        upto = max(job.sent, len(job.text) - hold)
        if upto > job.sent:
            job.sink("text", job.text[job.sent:upto])
            job.sent = upto


class Server:
    def __init__(self, settings: dict[str, Any]) -> None:
        from llama_cpp import Llama, llama_chat_format

        self.key, self.alias, self.n_ctx = settings["api_key"], settings["alias"], settings["n_ctx"]
        threads = settings["n_threads"]
        # flash attention (llama-server's default on a CPU): the fused kernel spends less per token, at
        # one sequence and at eight (bench/RESULTS.md)
        self.llm = Llama(model_path=settings["model"], n_ctx=self.n_ctx, n_threads=threads, n_threads_batch=threads,
                         flash_attn=settings.get("flash_attn", True), verbose=False)
        self.engine = Engine(self.llm, settings["slots"], self.n_ctx, unified=settings.get("kv_unified", True))
        self.serial = threading.Lock()  # the Llama's own context: grammar and logprob requests
        template = self.llm.metadata.get("tokenizer.chat_template")
        eos, bos = self.llm.token_eos(), self.llm.token_bos()
        self.formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=self.llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=self.llm._model.token_get_text(bos) if bos != -1 else "") if template else None

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def models(request: Any) -> Any:
            return JSONResponse({"object": "list", "data": [{"id": self.alias, "object": "model", "owned_by": "me"}]})

        app = Starlette(routes=[Route("/v1/models", models), Route(CHAT, self.complete, methods=["POST"]),
                                Route(COMPLETIONS, self.complete, methods=["POST"])])

        async def guard(scope: Any, receive: Any, send: Any) -> None:  # the key on every route
            headers = dict(scope.get("headers") or [])
            if scope["type"] == "http" and headers.get(b"authorization", b"") != f"Bearer {self.key}".encode():
                await JSONResponse({"error": {"message": "invalid key", "type": "authentication_error"}},
                                   401)(scope, receive, send)
                return
            await app(scope, receive, send)

        return guard

    def _prompt(self, path: str, body: dict[str, Any]) -> tuple[list[int], list[str]]:
        if path == COMPLETIONS:
            prompt = body["prompt"] if isinstance(body["prompt"], str) else body["prompt"][0]
            return self.llm.tokenize(prompt.encode(), add_bos=True, special=True), []
        formatted = self.formatter(messages=body["messages"])  # type: ignore[misc]
        tokens = self.llm.tokenize(formatted.prompt.encode(), add_bos=not formatted.added_special, special=True)
        stops = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop] if formatted.stop else []
        return tokens, stops

    async def complete(self, request: Any) -> Any:
        from starlette.responses import JSONResponse, StreamingResponse

        body, path = await request.json(), request.url.path
        chat = path == CHAT
        if body.get("response_format") or body.get("logprobs") or (path == CHAT and self.formatter is None) \
                or (not chat and isinstance(body.get("prompt"), list) and len(body["prompt"]) > 1):
            return await self._serial(path, body)
        tokens, stops = self._prompt(path, body)
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens") or 16
        if len(tokens) + 1 > self.n_ctx:
            return JSONResponse({"error": {"message": f"the prompt has {len(tokens)} tokens; the context holds "
                                                      f"{self.n_ctx}", "type": "invalid_request_error"}}, 400)
        stop = body.get("stop") or []
        job = Job(tokens, max_tokens, body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0,
                  body.get("top_p") or 1.0, body.get("seed"), [*([stop] if isinstance(stop, str) else stop), *stops],
                  body.get("presence_penalty") or 0.0, body.get("frequency_penalty") or 0.0,
                  {int(k): float(v) for k, v in (body.get("logit_bias") or {}).items()})
        job.stream = bool(body.get("stream"))
        loop, events = asyncio.get_running_loop(), asyncio.Queue()
        job.sink = lambda kind, value: loop.call_soon_threadsafe(events.put_nowait, (kind, value))
        self.engine.submit(job)
        rid, created = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex[:16]}", int(time.time())
        usage = lambda: {"prompt_tokens": len(tokens), "completion_tokens": len(job.generated),  # noqa: E731
                         "total_tokens": len(tokens) + len(job.generated)}
        if not body.get("stream"):
            parts, reason = [], None
            try:
                while reason is None:
                    kind, value = await events.get()
                    if kind == "text":
                        parts.append(value)
                    else:
                        reason = value
            finally:
                job.cancelled = reason is None
            text = "".join(parts)
            choice = {"index": 0, "message": {"role": "assistant", "content": text}} if chat else {"index": 0,
                                                                                                  "text": text}
            return JSONResponse({"id": rid, "object": "chat.completion" if chat else "text_completion",
                                 "created": created, "model": self.alias,
                                 "choices": [{**choice, "finish_reason": reason, "logprobs": None}], "usage": usage()})

        def chunk(delta: str | None, reason: str | None, first: bool = False) -> str:
            if chat:
                choice = {"index": 0, "delta": ({"role": "assistant"} if first else {}) | (
                    {"content": delta} if delta is not None else {}), "finish_reason": reason}
            else:
                choice = {"index": 0, "text": delta or "", "finish_reason": reason, "logprobs": None}
            return "data: " + json.dumps({"id": rid, "object": "chat.completion.chunk" if chat else "text_completion",
                                          "created": created, "model": self.alias, "choices": [choice]}) + "\n\n"

        async def stream() -> Any:
            reason = None
            try:
                yield chunk("" if chat else None, None, first=True)
                while reason is None:
                    kind, value = await events.get()
                    if kind == "text":
                        yield chunk(value, None)
                    else:
                        reason = value
                yield chunk(None, reason)
                if (body.get("stream_options") or {}).get("include_usage"):
                    yield "data: " + json.dumps({"id": rid, "object": "chat.completion.chunk", "created": created,
                                                 "model": self.alias, "choices": [], "usage": usage()}) + "\n\n"
                yield "data: [DONE]\n\n"
            finally:
                job.cancelled = reason is None  # the client went away: the slot is freed

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def _serial(self, path: str, body: dict[str, Any]) -> Any:
        """Grammar / logprob requests through llama-cpp-python itself, one at a time, answered whole."""
        from starlette.responses import JSONResponse, StreamingResponse

        stream = bool(body.pop("stream", False))
        body.pop("stream_options", None)
        body.pop("model", None)

        def run() -> dict[str, Any]:
            with self.serial:
                if path == CHAT:
                    return self.llm.create_chat_completion(**body)
                return self.llm.create_completion(**body)

        try:
            data = {**await asyncio.to_thread(run), "model": self.alias}
        except (ValueError, TypeError, RuntimeError) as exc:
            return JSONResponse({"error": {"message": str(exc)[:300], "type": "invalid_request_error"}}, 400)
        if not stream:
            return JSONResponse(data)
        chat = path == CHAT
        choice = data["choices"][0]
        delta = ({"delta": {"role": "assistant", "content": choice["message"]["content"]}} if chat
                 else {"text": choice["text"]})
        event = {"id": data["id"], "object": "chat.completion.chunk" if chat else "text_completion",
                 "created": data["created"], "model": self.alias,
                 "choices": [{"index": 0, **delta, "finish_reason": choice["finish_reason"]}]}

        async def events() -> Any:
            yield f"data: {json.dumps(event)}\n\ndata: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")


def main(path: str) -> None:
    import uvicorn

    with open(path) as handle:
        settings = json.load(handle)
    os.unlink(path)
    uvicorn.run(Server(settings).app(), uds=settings["uds"], log_level="warning", timeout_keep_alive=30)


if __name__ == "__main__":
    main(sys.argv[1])
