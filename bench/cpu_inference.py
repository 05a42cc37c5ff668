"""Prompt and decode tokens/s on this CPU: HF ``generate`` (fp32) vs llama.cpp on the run's GGUF files.

Both sides get the same prompts as the same token ids (chat-formatted by the HF template; the export's
parity check guarantees llama.cpp would build the same ids) and decode greedily for exactly
``--new-tokens`` tokens (EOS ignored), with every CPU thread this process may use.

    prompt tok/s = prompt tokens / time to first token (prefill + one step)
    decode tok/s = (new tokens - 1) / (time for all new tokens - time to first token)

Needs a run whose export wrote GGUF files, e.g.
    ftflow run recipe=smoke model=smollm2-135m method=none eval=none export=gguf \\
        'export.quant=[f16,q8_0,q4_0]'
    python bench/cpu_inference.py --run last [--quants f16,q8_0,q4_0] [--new-tokens 64] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

PROMPTS = [
    [{"role": "system", "content": "You are a concise wallet support assistant."},
     {"role": "user", "content": "How do I switch networks in the wallet, and why does my balance look different?"}],
    [{"role": "user", "content": "Explain in a few sentences what a seed phrase is and why it must stay private."}],
    [{"role": "system", "content": "Answer briefly."},
     {"role": "user", "content": "My transaction has been pending for an hour. What can I do?"}],
]


def stages(ref: str) -> dict[str, Path]:
    from ftflow.workspace import Workspace

    manifest = Workspace().manifest(ref)
    return {s["name"]: Path(s["artifact"]) for s in manifest["stages"]}


def hf_model_dir(artifacts: dict[str, Path]) -> Path:
    """The merged checkpoint if the export kept one, else the model stage's (no training: the same model)."""
    kept = artifacts["export"] / "model"
    return kept if (kept / "config.json").exists() else artifacts["model"] / "model"


def bench_hf(model_dir: Path, prompts: list[list[int]], new_tokens: int, threads: int) -> dict[str, float]:
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()

    def run(ids: list[int], n: int) -> float:
        inputs = torch.tensor([ids])
        started = time.perf_counter()
        with torch.no_grad():
            out = model.generate(inputs, attention_mask=torch.ones_like(inputs), max_new_tokens=n,
                                 min_new_tokens=n, do_sample=False, pad_token_id=0)
        assert out.shape[1] == len(ids) + n
        return time.perf_counter() - started

    run(prompts[0], 4)  # warm-up
    return _rates(run, prompts, new_tokens)


def bench_llama(path: Path, prompts: list[list[int]], new_tokens: int, threads: int) -> dict[str, float]:
    import numpy as np

    from ftflow_plugins.llamacpp.generator import load_llama

    llm = load_llama(path, n_ctx=1024, n_threads=threads)

    def run(ids: list[int], n: int) -> float:
        llm.reset()
        started = time.perf_counter()
        llm.eval(ids)
        for _ in range(n):  # greedy, EOS ignored: the same work as HF's min_new_tokens
            token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            llm.eval([token])
        return time.perf_counter() - started

    try:
        run(prompts[0], 4)  # warm-up
        return _rates(run, prompts, new_tokens)
    finally:
        llm.close()


def _rates(run: Any, prompts: list[list[int]], new_tokens: int) -> dict[str, float]:
    prompt_rates, decode_rates = [], []
    for ids in prompts:
        first = run(ids, 1)
        full = run(ids, new_tokens)
        prompt_rates.append(len(ids) / first)
        decode_rates.append((new_tokens - 1) / max(full - first, 1e-9))
    return {"prompt_tok_s": statistics.median(prompt_rates), "decode_tok_s": statistics.median(decode_rates)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="last", help="run id (workspace: FTFLOW_HOME or ./.ftflow)")
    parser.add_argument("--quants", default=None, help="comma-separated GGUF types (default: all exported)")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="default: the CPUs this process may use")
    parser.add_argument("--skip-hf", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    from ftflow_plugins.common.hf import load_tokenizer
    from ftflow_plugins.llamacpp.generator import cpu_threads

    threads = args.threads or cpu_threads()
    artifacts = stages(args.run)
    files = {p.name.rsplit(".", 2)[-2]: p for p in sorted((artifacts["export"] / "gguf").glob("*.gguf"))}
    wanted = args.quants.split(",") if args.quants else list(files)
    missing = [q for q in wanted if q not in files]
    if missing:
        sys.exit(f"run has no GGUF for {missing}; it has {list(files)}")
    model_dir = hf_model_dir(artifacts)
    tokenizer = load_tokenizer(model_dir)
    prompts = [list(tokenizer.apply_chat_template(p, tokenize=True, add_generation_prompt=True, return_dict=False))
               for p in PROMPTS]
    print(f"{len(prompts)} prompts ({', '.join(str(len(p)) for p in prompts)} tokens), {args.new_tokens} new "
          f"tokens each, {threads} threads; model {model_dir}", file=sys.stderr)

    results: dict[str, dict[str, Any]] = {}
    if not args.skip_hf:
        results["hf fp32 generate"] = bench_hf(model_dir, prompts, args.new_tokens, threads)
    for quant in wanted:
        results[f"llama.cpp {quant}"] = {**bench_llama(files[quant], prompts, args.new_tokens, threads),
                                         "mib": files[quant].stat().st_size / 2**20}
    base = results.get("hf fp32 generate")
    print(f"{'backend':<20} {'MiB':>7} {'prompt tok/s':>13} {'decode tok/s':>13} {'prompt ×HF':>11} {'decode ×HF':>11}")
    for name, r in results.items():
        ratio = (lambda k, r=r: f"{r[k] / base[k]:.1f}×") if base else (lambda k: "-")
        size = f"{r['mib']:.0f}" if "mib" in r else "-"
        print(f"{name:<20} {size:>7} {r['prompt_tok_s']:>13.1f} {r['decode_tok_s']:>13.1f} "
              f"{ratio('prompt_tok_s'):>11} {ratio('decode_tok_s'):>11}")
    if args.json:
        args.json.write_text(json.dumps({"threads": threads, "new_tokens": args.new_tokens, "results": results},
                                        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
