#!/usr/bin/env bash
# Issue 10's acceptance set on one H200: the LoRA baseline and ftflow's path in the same run, full fine-tuning
# (MFU), QLoRA, and the loss-parity test.  Each step has its own time limit, sized for a cold machine (no
# inductor cache): a first ftflow run takes ~330 s (its model and data stages, ~230 s of compilation), later
# ones ~80 s; the baseline ~65 s.
# A device call allows 600 s, so run it in several calls (one bench per host: the single-GPU device kind):
#   bash bench/train_throughput_h200.sh lora nogroups   # ~9 minutes: baseline and defaults, then method.lora_groups=false
#   bash bench/train_throughput_h200.sh parity full     # ~8 minutes
#   bash bench/train_throughput_h200.sh qlora           # ~8 minutes: the LoRA baseline; QLoRA at batch 6 with the
#                                                       # defaults, then with method.fused_qlora=false
#   bash bench/train_throughput_h200.sh qlora4          # QLoRA at batch 4 x 2 (after qlora: ~2 minutes)
# A new batch shape's first run on a machine spends ~4 minutes before its tenth step (presumably Triton
# compiling and autotuning; not profiled).
# Output under $OUT (or /tmp/out): one .txt (and .json) per step.  Run from the repo root with ftflow and the
# GPU extras importable (../shared/device/README.md: wheels installed with --target, PYTHONPATH set).
set -uo pipefail
out=${OUT:-/tmp/out}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/inductor}
bench=(python3 bench/train_throughput.py --home "$(mktemp -d)")  # a fresh workspace: no cached train stage
step() {  # name, seconds, command...
  local name=$1 limit=$2; shift 2
  timeout "$limit" "$@" > "$out/$name.txt" 2>&1
  echo "=== $name exit $? (limit ${limit}s)"
  grep -h "^ftflow\|^hf\|passed\|failed\|worst" "$out/$name.txt"
}
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(lora nogroups)
for name in "${steps[@]}"; do
  case $name in
    lora) step lora 440 "${bench[@]}" --adapters lora --steps 50 --json "$out/lora.json" ;;
    nogroups) step nogroups 140 "${bench[@]}" --adapters lora --steps 50 --skip-baseline --json "$out/nogroups.json" \
                --ftflow-extra "method.lora_groups=false" ;;
    full) step full 240 "${bench[@]}" --adapters full --steps 24 --skip-baseline --json "$out/full.json" \
              --ftflow-extra "method.batch_size=16 method.torch_compile=true" ;;
    qlora) step qlora 520 "${bench[@]}" --adapters qlora --steps 60 --json "$out/qlora.json" \
               --ftflow-extra "method.batch_size=6" --also "qlora:method.batch_size=6 method.fused_qlora=false" ;;
    qlora4) step qlora4 280 "${bench[@]}" --adapters qlora --steps 60 --skip-baseline --json "$out/qlora4.json" \
                --ftflow-extra "method.batch_size=4 method.gradient_accumulation=2" ;;
    parity) step parity 280 python3 -m pytest -q -m gpu -p no:cacheprovider tests/plugins/train/test_gpu_speed.py -s ;;
    *) echo "unknown step $name (lora, nogroups, full, qlora, qlora4, parity)" >&2; exit 2 ;;
  esac
done
