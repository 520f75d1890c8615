#!/usr/bin/env bash
# Fashion-MNIST comparison: Tapestry (Swift) vs PyTorch, JAX and TensorFlow/Keras.
#
#   Benchmarks/compare/run.sh [--model mlp|cnn] [--epochs N] [--only tapestry,torch,jax,keras] [--out DIR]
#                             [--no-install]
#
# --model picks the network (default mlp; cnn is `fashion --model cnn`, compared with
# torch_cnn.py and jax_cnn.py: there is no Keras CNN script, so keras is reported unavailable).
# Creates Benchmarks/compare/.venv (if missing) and installs requirements.txt into it, builds
# and runs the Swift demo `fashion`, runs each Python script under `/usr/bin/time -v` (peak
# RSS), then prints compare.py's Markdown table. --no-install uses .venv as it is (e.g. with
# only numpy and torch installed by hand). Results stay in DIR (default: a new
# /tmp/tapestry-compare.XXXXXX). A system that fails is reported as unavailable; the others
# still run. Run it on an otherwise idle machine: the numbers are wall-clock times.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ALL="tapestry,torch,jax,keras"
EPOCHS=5
MODEL=mlp
INSTALL=1
ONLY="$ALL"
OUT=""

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --model=*) MODEL="${1#*=}"; shift ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --epochs=*) EPOCHS="${1#*=}"; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --only=*) ONLY="${1#*=}"; shift ;;
    --no-install) INSTALL=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$MODEL" == mlp || "$MODEL" == cnn ]] || { echo "run.sh: --model is mlp or cnn, got '$MODEL'" >&2; exit 2; }
[[ "$EPOCHS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --epochs needs a positive integer" >&2; exit 2; }
IFS=, read -r -a SELECTED <<< "$ONLY"
for s in "${SELECTED[@]}"; do
  [[ ",$ALL," == *",$s,"* ]] || { echo "run.sh: unknown system '$s' (choose from $ALL)" >&2; exit 2; }
done
selected() { [[ ",$ONLY," == *",$1,"* ]]; }

if [ -z "$OUT" ]; then OUT="$(mktemp -d /tmp/tapestry-compare.XXXXXX)"; fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
echo "results: $OUT"

# GNU time for the peak RSS (Debian package `time`).
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null || true
fi
if [ ! -x /usr/bin/time ]; then echo "warning: no /usr/bin/time, peak RSS will be missing" >&2; fi

read -r LOAD _ < /proc/loadavg
if awk "BEGIN { exit !($LOAD > 0.5) }"; then
  echo "warning: load average is $LOAD; other work on the machine skews these timings" >&2
fi

# run_timed NAME COMMAND... : runs COMMAND under /usr/bin/time -v, log in NAME.log.
run_timed() {
  local name="$1"; shift
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$OUT/$name.time")
  echo "== $name: $*"
  local rc=0
  "${timer[@]}" "$@" 2>&1 | tee "$OUT/$name.log" || rc=$?
  if [ "$rc" != 0 ] || [ ! -s "$OUT/$name.json" ]; then
    echo "failed (exit $rc), see $OUT/$name.log" > "$OUT/$name.status"
    rm -f "$OUT/$name.json"
    echo "== $name failed (exit $rc); continuing" >&2
  fi
}

# The MLP's BLAS floor (Benchmarks/Floor): OpenBLAS alone on the MLP's own products, run
# before and after the systems so that compare.py can print every figure beside it (the
# host is noisy: ratios measured in the same minutes, not absolute times, are what compare).
measure_floor() {
  local cc
  cc="$(command -v clang || command -v cc || true)"
  [ -n "$cc" ] || { echo "no C compiler: the BLAS floor is skipped" >&2; return 0; }
  if [ ! -x "$OUT/blas_floor" ]; then
    "$cc" -O2 -I"$ROOT/Benchmarks/Floor/BLASFloor/include" -o "$OUT/blas_floor" \
      "$ROOT/Benchmarks/Floor/blas_floor.c" "$ROOT/Benchmarks/Floor/BLASFloor/BLASFloor.c" -lopenblas || return 0
  fi
  "$OUT/blas_floor" --json > "$OUT/floor-$1.json" && echo "== BLAS floor ($1): $(cat "$OUT/floor-$1.json")"
}
measure_floor before

if selected tapestry; then
  # Build first, untimed; then run the built binary directly (what `swift run -c release
  # fashion ...` runs), so that the peak RSS is the demo's and not SwiftPM's.
  echo "== tapestry: swift build -c release --product fashion"
  if ! command -v swift >/dev/null; then
    echo "unavailable: no swift toolchain on PATH" > "$OUT/tapestry.status"
  elif ! swift build -c release --package-path "$ROOT" --product fashion > "$OUT/tapestry.build.log" 2>&1; then
    echo "unavailable: the Swift demo did not build (see $OUT/tapestry.build.log)" > "$OUT/tapestry.status"
    tail -n 20 "$OUT/tapestry.build.log" >&2
  else
    BIN="$(swift build -c release --package-path "$ROOT" --show-bin-path)/fashion"
    run_timed tapestry "$BIN" --model "$MODEL" --epochs "$EPOCHS" --verbose 0 --output "$OUT/tapestry-output" \
      --metrics-json "$OUT/tapestry.json"
  fi
fi

if selected torch || selected jax || selected keras; then
  VENV="$HERE/.venv"
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  # (Re)install whenever requirements.txt differs from what was last installed.
  if [ "$INSTALL" = 1 ] && ! cmp -s "$HERE/requirements.txt" "$VENV/.requirements.installed"; then
    "$VENV/bin/python" -m pip install --quiet -r "$HERE/requirements.txt"
    cp "$HERE/requirements.txt" "$VENV/.requirements.installed"
  fi
  for s in torch jax keras; do
    selected "$s" || continue
    script="$HERE/${s}_${MODEL}.py"
    if [ ! -f "$script" ]; then
      echo "unavailable: no ${s}_${MODEL}.py" > "$OUT/$s.status"
      continue
    fi
    run_timed "$s" "$VENV/bin/python" "$script" --epochs "$EPOCHS" --json "$OUT/$s.json"
  done
fi

measure_floor after

echo
python3 "$HERE/compare.py" --results "$OUT" --only "$ONLY" --model "$MODEL" | tee "$OUT/table.md"
