#!/usr/bin/env bash
# Trains the shipped model from scratch, exactly as it was trained (deterministic for the seed
# and thread count): writes OUT/model.safetensors, model.bin, checkpoint.ckpt, train_log.csv.
#   models/default/train.sh [OUT]   (default: out/default-model; add --resume to continue)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=out/default-model
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then out="$1"; shift; fi
build/rwkv-eval train --suites arithmetic,patterns,code \
  --mix "arithmetic/add_1digit=2,arithmetic/add_2digit=6,arithmetic/add_3digit=1,arithmetic/add_4digit=0.5,arithmetic/sub_1digit=2,arithmetic/sub_2digit=3,arithmetic/sub_3digit=0.5,arithmetic/sub_4digit=0.25,arithmetic/mul_1digit=2,arithmetic/mul_2digit=0.5,arithmetic/mul_3digit=0,arithmetic/mul_4digit=0,patterns/concat=6,patterns/sequences=1,patterns/digit_reverse=1,patterns/letters=1,patterns/lists=1,code/python_trace=0.5,code/c_trace=0.5,recall/passkey=6" \
  --layers 4 --embed 128 --heads 2 --vocab 256 \
  --steps 5000 --ctx 512 --batch 8 --lr 2e-3 --lr-final 1e-4 --warmup 100 --seed 1 \
  --threads 2 --log-every 50 --save-every 250 --out "$out" "$@"
