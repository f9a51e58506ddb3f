#!/usr/bin/env bash
# Installs the dependencies, builds rwkv-eval in Release mode and runs the bundled reasoning
# suites and the passkey memory-decay probe.
#   scripts/quickstart.sh [extra `rwkv-eval run` options]
# Model: $RWKV_EVAL_MODEL if set; otherwise the shipped model (models/default).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target rwkv-eval

model="${RWKV_EVAL_MODEL:-default}"
out="out/quickstart"
echo "quickstart: running the bundled suites and the passkey probe on $model into $out"
build/rwkv-eval run arithmetic patterns code recall/passkey --model "$model" --out "$out" "$@"
echo "quickstart: open $out/report.html for the scores, intervals and the decay curve"
