#!/usr/bin/env bash
# GPU check of issue 4 (device machine): sft x {full, lora, qlora} and dpo x lora on a random-initialised
# ~0.53B Llama shape with backend=cuda; writes one combined log and a JSON summary (tokens/s, peak memory,
# loss) under $OUT.  Usage (from the repo root, after the README's device preamble):
#   MODEL=random-0.5b STEPS=40 bash bench/gpu_matrix.sh
set -uo pipefail
repo=$(pwd)
out=${OUT:-/tmp/out}
mkdir -p "$out"
export FTFLOW_HOME=${FTFLOW_HOME:-/tmp/ftflow-home} PYTHONUNBUFFERED=1
model=${MODEL:-random-0.5b}
backend=${BACKEND:-cuda}
common=(model="$model" "+model.tokenizer_dir=$repo/.whl/smollm2-tokenizer" backend="$backend" rag=none eval=none export=none
        method.max_steps="${STEPS:-40}" method.save_steps=100000 method.batch_size="${BATCH:-8}")
run() {  # name, overrides...
  local name=$1; shift
  echo "=== $name: ftflow run $*" >> "$out/gpu_matrix.log"
  (cd /tmp && python3 -m ftflow run "$@" "${common[@]}") >> "$out/gpu_matrix.log" 2>&1
  echo "=== $name exit $?" >> "$out/gpu_matrix.log"
  (cd /tmp && python3 -m ftflow show last --json) > "/tmp/$name.json" 2>/dev/null
}
run sft-full recipe=wallet_support method=sft adapter=full
run sft-lora recipe=wallet_support method=sft adapter=lora
run sft-qlora recipe=wallet_support method=sft adapter=qlora
run dpo-lora recipe=wallet_preference method=dpo adapter=lora
python3 - "$out/gpu_matrix_summary.json" /tmp/sft-full.json /tmp/sft-lora.json /tmp/sft-qlora.json /tmp/dpo-lora.json <<'PY'
import json, sys
rows = {}
for path in sys.argv[2:]:
    try:
        manifest = json.load(open(path))
    except Exception as exc:  # a failed run leaves no manifest: record why
        rows[path] = {"error": str(exc)}
        continue
    train = manifest.get("stage_metadata", {}).get("train", {})
    keys = ("adapter", "steps", "tokens_per_second", "peak_memory_gb", "final_loss", "train_seconds",
            "trainable_parameters", "parameters", "device", "tokens_seen")
    rows[path.split("/")[-1][:-5]] = {"status": manifest["status"], **{k: train.get(k) for k in keys},
                                      "first_loss": (train.get("loss_curve") or [[0, None]])[0][1]}
json.dump(rows, open(sys.argv[1], "w"), indent=2)
print(json.dumps(rows, indent=2))
PY
