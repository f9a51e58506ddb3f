#!/usr/bin/env bash
# The release gate of the shipped model (models/default): runs the gate's fast subset of the
# bundled suites on a model and checks it against the committed baseline run.
#   scripts/default-model-gate.sh [--model SPEC] [--out DIR] [--update-baseline]
# SPEC defaults to the shipped model; --update-baseline replaces the baseline with this run
# (after a deliberate retraining). Exit status: rwkv-eval gate's (0 pass, 1 regression, 2 bad
# input). The binary is $RWKV_EVAL_BINARY, default build/rwkv-eval.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${RWKV_EVAL_BINARY:-build/rwkv-eval}"
model=default
out=""
update=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --update-baseline) update=1; shift ;;
    *) echo "default-model-gate: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out="$(mktemp -d)"
baseline=models/default/baseline

# The fast subset: the tasks the model card's targets are about. One thread, so that greedy
# decoding is reproducible to the bit on any machine.
"$bin" run arithmetic patterns recall/passkey \
  --task add_1digit --task add_2digit --task sub_1digit --task concat --task passkey \
  --model "$model" --threads 1 --progress none --out "$out/run" >/dev/null

if [ "$update" = 1 ]; then
  cp "$out/run/results.json" "$out/run/samples.jsonl" "$baseline/"
  echo "default-model-gate: baseline replaced by the run in $out/run"
fi
"$bin" gate --baseline "$baseline" --candidate "$out/run" --policy models/default/gate.yaml \
  --markdown "$out/gate.md"
