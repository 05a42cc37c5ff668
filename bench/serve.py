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
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
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


def measure(url: str, model: str | None, requests: int, concurrency: int, max_tokens: int,
            key: str) -> dict[str, Any]:
    """``model`` None: the served ``merged`` route when there is one (the same weights HF runs), else auto."""
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
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    latencies = [r[0] for r in results]
    tokens = sum(r[1] for r in results)
    return {"model": model, "requests": requests, "concurrency": concurrency, "completion_tokens": tokens,
            "wall_s": round(wall, 2), "tokens_per_s": round(tokens / wall, 1),
            "requests_per_s": round(requests / wall, 2), "p50_s": round(percentile(latencies, 0.5), 2),
            "p95_s": round(percentile(latencies, 0.95), 2)}


def ftflow_serve(run: str, provider: str, key: str) -> tuple[subprocess.Popen, str]:
    """``ftflow serve RUN --provider P --port 0``; returns the process and its base URL."""
    env = {**os.environ, "FTFLOW_API_KEY": key}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "serve", run, "--provider", provider, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("ready: "):
            return proc, line.split()[1]
    proc.wait()
    raise RuntimeError("".join(lines) + proc.stderr.read()[-2000:])


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
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--backends", default="llamacpp,vllm,hf")
    parser.add_argument("--hf-dtype", default="float32", help="dtype of the HF generate loop")
    parser.add_argument("--json", default=None, metavar="FILE")
    parser.add_argument("--attach", action="append", default=[], metavar="NAME=URL",
                        help="also measure an endpoint that is already running (key from $FTFLOW_API_KEY)")
    args = parser.parse_args()
    key = uuid.uuid4().hex
    results: dict[str, Any] = {}
    for item in args.attach:
        name, _, url = item.partition("=")
        results[name] = measure(url, None, args.requests, args.concurrency, args.max_tokens,
                                os.environ.get("FTFLOW_API_KEY", "none"))
    for backend in filter(None, args.backends.split(",")):
        print(f"== {backend}", file=sys.stderr, flush=True)
        try:
            if backend == "hf":
                server = hf_server(args.run, args.hf_dtype)
                try:
                    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
                    results[backend] = measure(url, "hf", args.requests, args.concurrency, args.max_tokens, key)
                finally:
                    server.shutdown()
            else:
                proc, url = ftflow_serve(args.run, backend, key)
                try:
                    results[backend] = measure(url, None, args.requests, args.concurrency, args.max_tokens, key)
                finally:
                    stop(proc)
        except Exception as exc:  # a missing backend is a row saying why, not a crash
            results[backend] = {"skipped": f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"}
    hf_rate = results.get("hf", {}).get("tokens_per_s")
    info = setup(args.run, args.hf_dtype)
    print(f"\n{args.requests} requests, {args.concurrency} concurrent, max_tokens {args.max_tokens}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'backend':<10} {'tok/s':>8} {'req/s':>7} {'p50 s':>7} {'p95 s':>7} {'tokens':>7} {'vs HF':>7}  "
          f"model / dtype / versions")
    for name, row in results.items():
        if "skipped" in row:
            print(f"{name:<10} skipped: {row['skipped']}")
            continue
        ratio = f"{row['tokens_per_s'] / hf_rate:.1f}x" if hf_rate else "-"
        about = info.get(name, {})
        print(f"{name:<10} {row['tokens_per_s']:>8} {row['requests_per_s']:>7} {row['p50_s']:>7} {row['p95_s']:>7} "
              f"{row['completion_tokens']:>7} {ratio:>7}  {row['model']} / {about.get('dtype', '?')} / "
              f"{about.get('versions', '?')}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "setup": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
