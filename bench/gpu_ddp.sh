#!/usr/bin/env bash
# Issue 4, two GPUs (device kind nvidia-h200-x2): the same SFT run on 1 GPU and under torchrun (DDP for
# LoRA, FSDP for full fine-tuning) on a random ~0.53B Llama shape; summary JSON under $OUT.
set -uo pipefail
repo=$(pwd)
out=${OUT:-/tmp/out}
mkdir -p "$out"
export FTFLOW_HOME=${FTFLOW_HOME:-/tmp/ftflow-home} PYTHONUNBUFFERED=1
common=(recipe=wallet_support model="${MODEL:-random-0.5b}" "+model.tokenizer_dir=$repo/.whl/smollm2-tokenizer"
        backend=cuda rag=none eval=none export=none method.max_steps="${STEPS:-40}" method.save_steps=100000
        method.batch_size="${BATCH:-8}")
runs=" ${RUNS:-lora-1gpu lora-ddp2 full-1gpu full-fsdp2} "
run() {  # name, overrides...
  local name=$1; shift
  [[ $runs == *" $name "* ]] || return 0
  echo "=== $name: ftflow run $*" >> "$out/gpu_ddp.log"
  (cd /tmp && timeout 240 python3 -m ftflow run "${common[@]}" "$@") >> "$out/gpu_ddp.log" 2>&1
  echo "=== $name exit $?" >> "$out/gpu_ddp.log"
  (cd /tmp && python3 -m ftflow show last --json) > "/tmp/$name.json" 2>/dev/null
}
run lora-1gpu adapter=lora launcher=local
run lora-ddp2 adapter=lora launcher=torchrun
run full-1gpu adapter=full launcher=local
run full-fsdp2 adapter=full launcher=torchrun_fsdp
python3 - "$out/gpu_ddp_summary.json" /tmp/lora-1gpu.json /tmp/lora-ddp2.json /tmp/full-1gpu.json /tmp/full-fsdp2.json <<'PY'
import json, sys
rows = {}
for path in sys.argv[2:]:
    name = path.split("/")[-1][:-5]
    try:
        manifest = json.load(open(path))
    except Exception as exc:
        rows[name] = {"error": str(exc)}
        continue
    train = manifest.get("stage_metadata", {}).get("train", {})
    rows[name] = {"status": manifest["status"], "launcher": manifest["config"].get("launcher"),
                  **{k: train.get(k) for k in ("tokens_per_second", "steady_tokens_per_second", "tokens_seen", "train_seconds",
                                               "peak_memory_gb", "final_loss", "steps", "world_size")}}
json.dump(rows, open(sys.argv[1], "w"), indent=2)
print(json.dumps(rows, indent=2))
PY
