#!/usr/bin/env bash
# Installs the dependencies, builds rwkv-eval in Release mode and runs the bundled suites.
#   scripts/quickstart.sh [extra `rwkv-eval run` options]
# Model: $RWKV_EVAL_MODEL if set; otherwise the tiny RWKV-7 model from the reference data
# folder ($RWKV_EVAL_SHARED, default ../shared beside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target rwkv-eval

shared="${RWKV_EVAL_SHARED:-../shared}"
model="${RWKV_EVAL_MODEL:-$shared/models/tiny/tiny-rwkv-7v0-834K-FP32.bin}"
if [ ! -f "$model" ]; then
  echo "quickstart: no model at $model; set RWKV_EVAL_MODEL=path/to/model" >&2
  exit 1
fi
out="out/quickstart"
echo "quickstart: running the bundled suites on $model into $out"
build/rwkv-eval run suites/arithmetic.yaml suites/patterns.yaml suites/code.yaml --model "$model" --out "$out" "$@"
