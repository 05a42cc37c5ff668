"""Serving throughput and latency: N requests, C at a time, through the ``openai`` client, against
llama.cpp's server (``ftflow serve --provider llamacpp``, i.e. behind ftflow's router), vLLM (when
installed; ``--provider vllm``) and a plain HF ``generate`` loop behind a minimal OpenAI-shaped HTTP
wrapper (one request at a time, as a naive server would run it).  Same prompts, same max_tokens,
greedy; printed side by side with the ratio to HF, with each backend's dtype and library versions.

The model is the run's tuned model everywhere: HF merges the LoRA adapter (``--hf-dtype``, default
float32); vLLM serves its ``merged`` route when the run has one (serve=vllm's default routes), else
``auto``, in the run's recorded ``serve.dtype`` (record float32 for a like-for-like comparison:
``serve.dtype=float32``); llama.cpp serves the exported GGUF (q8_0 by default).

    tok/s   = completion tokens of all requests / wall time of the whole batch
    p50/p95 = per-request latency (send -> full answer), seconds

Needs a run with export=gguf (for llama.cpp) and a train or merged export (for HF / vLLM), e.g.
    ftflow run recipe=wallet_support serve=vllm serve.dtype=float32
    python bench/serve.py --run last [--requests 64] [--concurrency 32] [--max-tokens 64] [--json FILE]

llama.cpp's concurrency (issue 22): ftflow's continuous-batching server against llama-cpp-python's own,
one client and eight, and a load test (clients for T seconds: errors, p50/p99, RSS of gateway+backends):
    python bench/serve.py --run last --backends llamacpp,llamacpp-single --concurrency 1,8 --requests 16
    python bench/serve.py --run last --backends llamacpp --concurrency 8 --load 60
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROMPTS = [
    "How do I switch networks in the wallet, and why does my balance look different?",
    "Explain in a few sentences what a seed phrase is and why it must stay private.",
    "My transaction has been pending for an hour. What can I do?",
    "Is a contract that calls an external address before updating balances vulnerable?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_s(pid: int | None) -> float:
    """User+system CPU seconds of a process and its descendants so far (0 without psutil or pid)."""
    if pid is None:
        return 0.0
    try:
        import psutil

        root = psutil.Process(pid)
        return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])
    except Exception:  # psutil missing or the process gone: no CPU column
        return 0.0


def measure(url: str, model: str | None, requests: int, concurrency: int, max_tokens: int,
            key: str, pid: int | None = None) -> dict[str, Any]:
    """``model`` None: the served ``merged`` route when there is one (the same weights HF runs), else auto.
    ``pid``: the serving process, whose CPU seconds (with its backends') give tokens per CPU-second, a
    figure other load on the machine disturbs far less than wall-clock tokens/s."""
    import openai

    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=1800)
    if model is None:
        model = "merged" if "merged" in [m.id for m in client.models.list()] else "auto"

    def one(i: int) -> tuple[float, int]:
        started = time.perf_counter()
        answer = client.chat.completions.create(model=model, max_tokens=max_tokens, temperature=0.0,
                                                messages=[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}])
        return time.perf_counter() - started, answer.usage.completion_tokens

    one(0)  # warm-up: first-request costs (loading, graph capture) are not throughput
    started, cpu = time.perf_counter(), cpu_s(pid)
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    wall, cpu = time.perf_counter() - started, cpu_s(pid) - cpu
    latencies = [r[0] for r in results]
    tokens = sum(r[1] for r in results)
    return {"model": model, "requests": requests, "concurrency": concurrency, "completion_tokens": tokens,
            "wall_s": round(wall, 2), "tokens_per_s": round(tokens / wall, 1),
            "requests_per_s": round(requests / wall, 2), "p50_s": round(percentile(latencies, 0.5), 2),
            "p95_s": round(percentile(latencies, 0.95), 2),
            "tokens_per_cpu_s": round(tokens / cpu, 1) if cpu > 0 else None}


#: llama.cpp behind ftflow serve: the continuous-batching server (default) and llama-cpp-python's own
LLAMA_SERVERS = {"llamacpp": "slots", "llamacpp-single": "llama-cpp-python"}
_LLAMA = """
import sys
from ftflow.workspace import Workspace
from ftflow_plugins.serve.llamacpp import LlamaCppServer, LlamaCppServeConfig
ws = Workspace()
config = LlamaCppServeConfig(port=0, server=sys.argv[2], slots=int(sys.argv[3]), max_tokens=int(sys.argv[4]),
                             quant=sys.argv[5] or None,
                             rate_limit_per_min=0, max_concurrent=64, max_queue=1024)
sys.exit(LlamaCppServer().serve(ws.manifest(sys.argv[1]), config, {}, ws))
"""


def ftflow_serve(run: str, provider: str, key: str, slots: int = 8,
                 max_tokens: int = 512) -> tuple[subprocess.Popen, str]:
    """``ftflow serve RUN --provider P --port 0`` (llama.cpp: with the server ``LLAMA_SERVERS`` names, and
    the exported GGUF type after a colon, ``llamacpp:bf16``); returns the process and its base URL."""
    env = {**os.environ, "FTFLOW_API_KEY": key}
    provider, _, quant = provider.partition(":")
    if provider in LLAMA_SERVERS:
        argv = [sys.executable, "-c", _LLAMA, run, LLAMA_SERVERS[provider], str(slots), str(max_tokens), quant]
    else:
        argv = [sys.executable, "-m", "ftflow", "serve", run, "--provider", provider, "--port", "0"]
    errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - a pipe would fill with request lines, stall the gateway
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("ready: "):
            return proc, line.split()[1]
    proc.wait()
    errors.seek(0)
    raise RuntimeError("".join(lines) + errors.read()[-2000:])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the gateway and its backends), MB."""
    import psutil

    try:
        root = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20
    except psutil.Error:
        return 0.0


def load(url: str, pid: int, clients: int, seconds: float, max_tokens: int, key: str) -> dict[str, Any]:
    """``clients`` loops sending requests (mixed: chat, streamed chat, completions) for ``seconds``;
    latency percentiles, errors, and the serving processes' RSS sampled through the run."""
    import openai

    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=600)
    latencies: list[float] = []
    errors: list[str] = []
    rss: list[float] = []
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            started, n = time.perf_counter(), n + 1
            try:
                text = PROMPTS[(i + n) % len(PROMPTS)]
                if n % 3 == 0:
                    client.completions.create(model="auto", prompt=text, max_tokens=max_tokens)
                elif n % 3 == 1:
                    list(client.chat.completions.create(model="auto", max_tokens=max_tokens, stream=True,
                                                        messages=[{"role": "user", "content": text}]))
                else:
                    client.chat.completions.create(model="auto", max_tokens=max_tokens,
                                                   messages=[{"role": "user", "content": text}])
                latencies.append(time.perf_counter() - started)
            except Exception as exc:  # counted, not raised: the load test reports every unexpected error
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        rss.append(rss_mb(pid))
        time.sleep(0.5)
    half = max(1, len(rss) // 2)
    return {"clients": clients, "seconds": seconds, "requests": len(latencies), "errors": len(errors),
            "first_errors": errors[:3], "p50_s": round(percentile(latencies, 0.5), 2) if latencies else None,
            "p99_s": round(percentile(latencies, 0.99), 2) if latencies else None,
            "peak_rss_mb": round(max(rss), 1), "rss_first_half_mb": round(sum(rss[:half]) / half, 1),
            "rss_second_half_mb": round(sum(rss[half:]) / max(1, len(rss) - half), 1)}


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def hf_model(run: str, dtype: str) -> tuple[Any, Any]:
    """The run's tuned model in ``dtype`` on the CPU: the merged checkpoint vLLM's ``merged`` route serves
    (the merged export, or serve=vllm's stage's), else the LoRA merged here, else the base."""
    import torch
    from transformers import AutoModelForCausalLM

    from ftflow.workspace import Workspace
    from ftflow_plugins.common.hf import load_tokenizer
    from ftflow_plugins.serve.targets import run_files

    files = run_files(Workspace().manifest(run), "merged")
    tokenizer = load_tokenizer(files.base_hf)
    if files.full is not None:
        model = AutoModelForCausalLM.from_pretrained(str(files.full))
    elif files.adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(files.base_hf)),
                                          str(files.adapter)).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(str(files.base_hf))
    return model.to(getattr(torch, dtype)), tokenizer


def hf_server(run: str, dtype: str) -> ThreadingHTTPServer:
    """A plain ``generate`` loop behind /v1/chat/completions: one request at a time (a lock), no batching."""
    import torch

    model, tokenizer = hf_model(run, dtype)
    model.eval()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ids = tokenizer.apply_chat_template(body["messages"], add_generation_prompt=True, return_tensors="pt",
                                                return_dict=True)
            with lock, torch.no_grad():
                out = model.generate(**ids, max_new_tokens=body.get("max_tokens", 32), do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
            new = out[0, ids["input_ids"].shape[1]:]
            text = tokenizer.decode(new, skip_special_tokens=True)
            data = json.dumps({
                "id": f"hf-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": "hf", "choices": [{"index": 0, "finish_reason": "length",
                                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": int(ids["input_ids"].shape[1]), "completion_tokens": int(new.shape[0]),
                          "total_tokens": int(ids["input_ids"].shape[1] + new.shape[0])}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def setup(run: str, hf_dtype: str) -> dict[str, dict[str, str]]:
    """Per backend: the weights' dtype and library versions, for the record."""
    from importlib.metadata import PackageNotFoundError, version

    from ftflow.workspace import Workspace
    from ftflow_plugins.serve.vllm import VllmServeConfig, interpreter

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    manifest = Workspace().manifest(run)
    serve = dict(manifest.get("config", {}).get("serve") or {})
    recorded = serve if serve.get("provider") == "vllm" else {}
    python = interpreter(VllmServeConfig(python=recorded.get("python")))
    probe = subprocess.run([python, "-c", "import vllm, torch; print(vllm.__version__, torch.__version__)"],
                           capture_output=True, text=True)
    vllm_versions = probe.stdout.split() if probe.returncode == 0 else ["-", "-"]
    quant = serve.get("quant") if serve.get("provider") == "llamacpp" else None
    return {"hf": {"dtype": hf_dtype, "versions": f"torch {installed('torch')}, transformers "
                                                  f"{installed('transformers')}"},
            "vllm": {"dtype": str(recorded.get("dtype", "auto")),
                     "versions": f"vllm {vllm_versions[0]}, torch {vllm_versions[-1]}"},
            "llamacpp": {"dtype": f"GGUF {quant or 'q8_0 (or best exported)'}",
                         "versions": f"llama-cpp-python {installed('llama-cpp-python')}"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default="last")
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--concurrency", default="4", help="clients at once; a list (1,8) measures each")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--backends", default="llamacpp,vllm,hf",
                        help="llamacpp (ftflow's continuous-batching server), llamacpp-single (llama-cpp-python's "
                             "own, one request at a time), vllm, hf; llamacpp:TYPE serves the exported GGUF TYPE "
                             "(e.g. llamacpp:bf16, exported with export.quant=[q8_0,bf16])")
    parser.add_argument("--slots", type=int, default=8, help="llamacpp: sequences decoded together")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every client count this many times, interleaved; report the median row "
                             "(tok/s): other load on a shared machine comes and goes")
    parser.add_argument("--load", type=float, default=0, metavar="SECONDS",
                        help="instead: a load test of the first backend, max(concurrency) clients for SECONDS")
    parser.add_argument("--hf-dtype", default="float32", help="dtype of the HF generate loop")
    parser.add_argument("--json", default=None, metavar="FILE")
    parser.add_argument("--attach", action="append", default=[], metavar="NAME=URL",
                        help="also measure an endpoint that is already running (key from $FTFLOW_API_KEY)")
    args = parser.parse_args()
    key = uuid.uuid4().hex
    levels = [int(c) for c in str(args.concurrency).split(",")]
    results: dict[str, Any] = {}
    if args.load:
        backend = args.backends.split(",")[0]
        proc, url = ftflow_serve(args.run, backend, key, args.slots)
        try:
            row = load(url, proc.pid, max(levels), args.load, args.max_tokens, key)
        finally:
            stop(proc)
        print(json.dumps({"backend": backend, **row}, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), "load": {backend: row}}, indent=2))
        return 0 if row["errors"] == 0 else 1
    for item in args.attach:
        name, _, url = item.partition("=")
        for c in levels:
            results[f"{name}@{c}"] = measure(url, None, args.requests, c, args.max_tokens,
                                             os.environ.get("FTFLOW_API_KEY", "none"))
    for backend in filter(None, args.backends.split(",")):
        print(f"== {backend}", file=sys.stderr, flush=True)
        try:
            if backend == "hf":
                server = hf_server(args.run, args.hf_dtype)
                try:
                    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
                    for c in levels:
                        results[f"hf@{c}"] = measure(url, "hf", args.requests, c, args.max_tokens, key)
                finally:
                    server.shutdown()
            else:
                proc, url = ftflow_serve(args.run, backend, key, args.slots)
                try:
                    rows: dict[int, list[dict[str, Any]]] = {c: [] for c in levels}
                    for _ in range(args.rounds):
                        for c in levels:
                            rows[c].append(measure(url, None, args.requests, c, args.max_tokens, key, proc.pid))
                    for c in levels:
                        ranked = sorted(rows[c], key=lambda r: r["tokens_per_s"])
                        results[f"{backend}@{c}"] = {**ranked[len(ranked) // 2],
                                                     "rounds_tokens_per_s": [r["tokens_per_s"] for r in rows[c]]}
                finally:
                    stop(proc)
        except Exception as exc:  # a missing backend is a row saying why, not a crash
            results[f"{backend}@{levels[0]}"] = {"skipped": f"{type(exc).__name__}: "
                                                            f"{str(exc).strip().splitlines()[-1][:200]}"}
    info = setup(args.run, args.hf_dtype)
    print(f"\n{args.requests} requests per row, max_tokens {args.max_tokens}, {os.cpu_count()} CPUs")
    print(f"{'backend@clients':<22} {'tok/s':>8} {'req/s':>7} {'p50 s':>7} {'p95 s':>7} {'tokens':>7} {'vs HF':>7} "
          f"{'vs 1':>6} {'tok/CPU-s':>9}  model / dtype / versions")
    for name, row in results.items():
        if "skipped" in row:
            print(f"{name:<22} skipped: {row['skipped']}")
            continue
        backend, _, c = name.partition("@")
        hf_rate = results.get(f"hf@{c}", {}).get("tokens_per_s")
        single = results.get(f"{backend}@1", {}).get("tokens_per_s")
        ratio = f"{row['tokens_per_s'] / hf_rate:.1f}x" if hf_rate else "-"
        scale = f"{row['tokens_per_s'] / single:.1f}x" if single else "-"
        about = dict(info.get(backend.split(":")[0].split("-")[0], {}))
        if ":" in backend:
            about["dtype"] = f"GGUF {backend.partition(':')[2]}"
        print(f"{name:<22} {row['tokens_per_s']:>8} {row['requests_per_s']:>7} {row['p50_s']:>7} {row['p95_s']:>7} "
              f"{row['completion_tokens']:>7} {ratio:>7} {scale:>6} {row.get('tokens_per_cpu_s') or '-':>9}  {row['model']} / {about.get('dtype', '?')} / "
              f"{about.get('versions', '?')}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "setup": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
