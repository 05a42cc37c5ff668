"""Serving throughput and latency: N requests, C at a time, through the ``openai`` client, against
llama.cpp's server (``ftflow serve --provider llamacpp``, i.e. behind ftflow's router), vLLM (when
installed; ``--provider vllm``) and a plain HF ``generate`` loop behind a minimal OpenAI-shaped HTTP
wrapper (one request at a time, as a naive server would run it).  Same prompts, same max_tokens,
greedy; printed side by side with the ratio to HF.

    tok/s   = completion tokens of all requests / wall time of the whole batch
    p50/p95 = per-request latency (send -> full answer), seconds

Needs a run with export=gguf (for llama.cpp) and a train or merged export (for HF / vLLM), e.g.
    ftflow run recipe=smoke export=gguf 'export.quant=[q8_0]'
    python bench/serve.py --run last [--requests 16] [--concurrency 4] [--max-tokens 32] [--json FILE]
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


def measure(url: str, model: str, requests: int, concurrency: int, max_tokens: int, key: str) -> dict[str, Any]:
    import openai

    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=600)

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
    return {"requests": requests, "concurrency": concurrency, "completion_tokens": tokens,
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


def hf_model(run: str) -> tuple[Any, Any]:
    """The run's tuned model as eval sees it (LoRA merged), fp32 on the CPU."""
    from transformers import AutoModelForCausalLM

    from ftflow.workspace import Workspace
    from ftflow_plugins.common.hf import load_tokenizer, model_dir

    stages = {s["name"]: Path(s["artifact"]) for s in Workspace().manifest(run)["stages"]}
    base = model_dir(stages["model"])
    if "export" in stages and (stages["export"] / "model" / "config.json").exists():
        return AutoModelForCausalLM.from_pretrained(str(stages["export"] / "model")), load_tokenizer(base)
    train = stages.get("train")
    if train is not None and (train / "adapter").exists():
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)), str(train / "adapter"))
        return model.merge_and_unload(), load_tokenizer(base)
    if train is not None and (train / "model" / "config.json").exists():
        return AutoModelForCausalLM.from_pretrained(str(train / "model")), load_tokenizer(base)
    return AutoModelForCausalLM.from_pretrained(str(base)), load_tokenizer(base)


def hf_server(run: str) -> ThreadingHTTPServer:
    """A plain ``generate`` loop behind /v1/chat/completions: one request at a time (a lock), no batching."""
    import torch

    model, tokenizer = hf_model(run)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default="last")
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--backends", default="llamacpp,vllm,hf")
    parser.add_argument("--json", default=None, metavar="FILE")
    parser.add_argument("--attach", action="append", default=[], metavar="NAME=URL",
                        help="also measure an endpoint that is already running (key from $FTFLOW_API_KEY)")
    args = parser.parse_args()
    key = uuid.uuid4().hex
    results: dict[str, Any] = {}
    for item in args.attach:
        name, _, url = item.partition("=")
        results[name] = measure(url, "auto", args.requests, args.concurrency, args.max_tokens,
                                os.environ.get("FTFLOW_API_KEY", "none"))
    for backend in filter(None, args.backends.split(",")):
        print(f"== {backend}", file=sys.stderr, flush=True)
        try:
            if backend == "hf":
                server = hf_server(args.run)
                try:
                    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
                    results[backend] = measure(url, "hf", args.requests, args.concurrency, args.max_tokens, key)
                finally:
                    server.shutdown()
            else:
                proc, url = ftflow_serve(args.run, backend, key)
                try:
                    results[backend] = measure(url, "auto", args.requests, args.concurrency, args.max_tokens, key)
                finally:
                    stop(proc)
        except Exception as exc:  # a missing backend is a row saying why, not a crash
            results[backend] = {"skipped": f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"}
    hf_rate = results.get("hf", {}).get("tokens_per_s")
    print(f"\n{args.requests} requests, {args.concurrency} concurrent, max_tokens {args.max_tokens}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'backend':<10} {'tok/s':>8} {'req/s':>7} {'p50 s':>7} {'p95 s':>7} {'tokens':>7} {'vs HF':>7}")
    for name, row in results.items():
        if "skipped" in row:
            print(f"{name:<10} skipped: {row['skipped']}")
            continue
        ratio = f"{row['tokens_per_s'] / hf_rate:.1f}x" if hf_rate else "-"
        print(f"{name:<10} {row['tokens_per_s']:>8} {row['requests_per_s']:>7} {row['p50_s']:>7} {row['p95_s']:>7} "
              f"{row['completion_tokens']:>7} {ratio:>7}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
