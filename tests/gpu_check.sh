#!/usr/bin/env bash
# tests/gpu_check.sh OUTDIR - the one script a GPU machine runs (about 3-5 minutes, stops
# starting new steps at 6):
#   1. builds tests/cuda_check.c, bench/cuda.c and the train/generate examples with nvcc
#      for this GPU (ptxas spill warnings as errors);
#   2. cuda_check: every kernel against its simple twin and the CPU, the flash kernels
#      against their algorithm in C and float64, training steps and greedy generations
#      (beams, context shift) of both families against the CPU (fp32 within 1e-4, bf16
#      within 2e-2), determinism, stories260K's greedy ids, errors as statuses;
#   3. compute-sanitizer memcheck (all tests) and racecheck (the shared-memory kernels) on
#      tiny shapes, when compute-sanitizer is installed;
#   4. the examples end to end on the GPU: train a small model, save it, generate from it;
#   5. benchmarks: bench_cuda (flash attention TFLOP/s forward and backward, head dims
#      64/128, T 1024-4096; decode attention GB/s; GPT-2 124M training tokens/s at B 16-64,
#      T 1024; GPT-2 124M decode tokens/s) and PyTorch's SDPA on the same shapes when torch
#      can use the GPU.
# Writes OUTDIR/results.txt (every output) and OUTDIR/summary.txt (what a note needs);
# prints the summary. Exits 0 when every check passed.
set -u
OUT=${1:?usage: tests/gpu_check.sh OUTDIR}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")/.."
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
SAN=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
R="$OUT/results.txt"; S="$OUT/summary.txt"
: > "$R"; : > "$S"
T0=$(date +%s)
pass=0; fail=0; skip=0
say() { echo "$*" | tee -a "$R" "$S"; }
elapsed() { echo $(( $(date +%s) - T0 )); }
run() {  # run NAME SECONDS CMD... : a check; its output goes to results.txt
    local name=$1 lim=$2 t rc; shift 2
    if [ "$(elapsed)" -gt 360 ]; then say "SKIP $name (time: $(elapsed) s used)"; skip=$((skip+1)); return 1; fi
    t=$(date +%s)
    echo "== $name: $*" >> "$R"
    timeout "$lim" "$@" >> "$R" 2>&1; rc=$?
    if [ $rc -eq 0 ]; then say "PASS $name ($(( $(date +%s) - t )) s)"; pass=$((pass+1)); return 0; fi
    say "FAIL $name (exit $rc$([ $rc -eq 124 ] && echo ', timed out'), $(( $(date +%s) - t )) s)"; fail=$((fail+1))
    return 1
}

say "llm.h gpu_check $(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD 2>/dev/null)"
nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader 2>&1 | tee -a "$R" "$S"
"$NVCC" --version | tail -1 | tee -a "$R" "$S"
CAP=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
CAP=${CAP:-90}
F="-O3 -gencode arch=compute_$CAP,code=sm_$CAP -DLLM_CUDA -x cu -Xptxas -warn-spills,-Werror"

echo "== builds (in parallel)" >> "$R"
b0=$(date +%s)
"$NVCC" $F -lineinfo tests/cuda_check.c -o "$OUT/cuda_check" -lcublas > "$OUT/b1.log" 2>&1 & p1=$!
"$NVCC" $F bench/cuda.c -o "$OUT/bench_cuda" -lcublas > "$OUT/b2.log" 2>&1 & p2=$!
"$NVCC" $F examples/train.c -o "$OUT/train" -lcublas > "$OUT/b3.log" 2>&1 & p3=$!
"$NVCC" $F examples/generate.c -o "$OUT/generate" -lcublas > "$OUT/b4.log" 2>&1 & p4=$!
bok=1
for p in $p1 $p2 $p3 $p4; do wait $p || bok=0; done
cat "$OUT"/b[1-4].log >> "$R"
if [ $bok = 1 ]; then say "PASS build sm_$CAP ($(( $(date +%s) - b0 )) s)"; pass=$((pass+1))
else say "FAIL build sm_$CAP"; fail=$((fail+1)); cat "$OUT"/b[1-4].log | head -40 | tee -a "$S"; fi

if [ -x "$OUT/cuda_check" ]; then
    run cuda_check 150 "$OUT/cuda_check"
    grep -E '^(PASS|FAIL|SKIP) +cuda_[a-z0-9_]+ +[0-9]+\.[0-9]+s|^device:' "$R" | sed 's/^/    /' >> "$S"
    if [ -x "$SAN" ]; then
        run memcheck_tiny 120 "$SAN" --tool memcheck --leak-check full --error-exitcode 3 "$OUT/cuda_check" --tiny \
            cuda_embedding,cuda_norms,cuda_matmul,cuda_elementwise,cuda_reductions,cuda_attention,cuda_decode,cuda_generation
        run racecheck_tiny 120 "$SAN" --tool racecheck --error-exitcode 3 "$OUT/cuda_check" --tiny \
            cuda_norms,cuda_reductions,cuda_attention,cuda_decode
        run synccheck_tiny 60 "$SAN" --tool synccheck --error-exitcode 3 "$OUT/cuda_check" --tiny cuda_attention,cuda_decode
    else
        say "SKIP compute-sanitizer (not installed)"; skip=$((skip+1))
    fi
fi

if [ -x "$OUT/train" ] && [ -x "$OUT/generate" ]; then
    run examples_train_generate_gpu 90 bash -c "cd '$OUT' && cp '$PWD/llm.h' . &&
        ./train --data llm.h --vocab-size 300 --layers 2 --heads 2 --dim 128 --seq 128 --batch 8 --steps 30 --save g.gguf > train.log &&
        grep -q 'cuda:' train.log && grep -q '^step 30/30' train.log &&
        ./generate g.gguf -i 'static ' -n 40 -t 0 > gen.txt 2> gen.err && grep -q 'cuda:' gen.err && grep -q '^static ' gen.txt &&
        ./generate g.gguf -i 'int ' -n 16 --beam 3 > beam.txt 2>&1"
    tail -n 3 "$OUT/train.log" 2>/dev/null | sed 's/^/    /' >> "$S"
    tail -n 1 "$OUT/gen.err" 2>/dev/null | sed 's/^/    /' >> "$S"
fi

if [ -x "$OUT/bench_cuda" ]; then
    Q=""; [ "$(elapsed)" -gt 200 ] && Q="--quick"
    if run bench_cuda 170 "$OUT/bench_cuda" $Q; then
        awk '/^== bench_cuda/{on=1; next} on && !/^(PASS|FAIL|SKIP) /' "$R" | sed 's/^/    /' >> "$S"
    fi
fi
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' > /dev/null 2>&1; then
    Q=""; [ "$(elapsed)" -gt 280 ] && Q="--quick"
    run torch_sdpa 90 python3 bench/sdpa.py $Q &&
        awk '/^== torch_sdpa/{on=1; next} on && !/^(PASS|FAIL|SKIP) /' "$R" | sed 's/^/    /' >> "$S"
else
    say "SKIP torch_sdpa (no torch with CUDA)"; skip=$((skip+1))
fi

say "$pass passed, $fail failed, $skip skipped in $(elapsed) s"
cat "$S"
[ "$fail" -eq 0 ]
