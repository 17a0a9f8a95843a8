#!/usr/bin/env bash
# tests/cross.sh - the test runner and the examples built for other platforms and run there:
#   aarch64   aarch64-linux-gnu-gcc, NEON kernels, under qemu-aarch64 (the whole runner)
#   Windows   x86_64-w64-mingw32-gcc without -lpthread (Win32 threads), under wine (the whole runner)
#   wasm32    clang --target=wasm32-wasi --sysroot=/usr, threads off by themselves, with and without
#             -msimd128, under node's WASI (the whole runner)
#   s390x     s390x-linux-gnu-gcc, big-endian, under qemu-s390x (the formats, tokenizers, imports,
#             sessions and PyTorch parity: the whole runner takes 5 minutes there)
# plus, on each, the generate example reproducing llama2.c's greedy ids of stories260K.
# Usage: bash tests/cross.sh [--install]   (--install: apt-get the Debian packages it needs:
#   gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user mingw-w64 wine64 wasi-libc lld
#   libclang-rt-14-dev-wasm32 gcc-s390x-linux-gnu libc6-dev-s390x-cross nodejs)
# A platform whose tools are missing is reported as SKIP. Last line: "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
OUT=${LLM_CROSS_OUT:-/tmp/llm_h_cross.$$}
mkdir -p "$OUT"
pass=0; fail=0; skip=0
if [ "${1:-}" = --install ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
        qemu-user mingw-w64 wine64 wasi-libc lld libclang-rt-14-dev-wasm32 gcc-s390x-linux-gnu libc6-dev-s390x-cross \
        nodejs > "$OUT/apt.log" 2>&1 || echo "apt-get failed (see $OUT/apt.log)"
fi
check() {  # check NAME CMD...
    local name=$1; shift
    local t0=$(date +%s%N)
    if "$@" > "$OUT/$name.log" 2>&1; then
        printf "PASS %-40s %6d ms\n" "$name" $(( ($(date +%s%N) - t0) / 1000000 )); pass=$((pass+1))
    else
        printf "FAIL %-40s %6d ms\n" "$name" $(( ($(date +%s%N) - t0) / 1000000 )); sed 's/^/    /' "$OUT/$name.log" | tail -20
        fail=$((fail+1))
    fi
}
runner() {  # runner NAME CMD...: a test runner's counts join ours
    local name=$1; shift
    echo "== $name"
    "$@" 2>&1 | tr -d '\r' > "$OUT/$name.out"   # (Windows programs end lines with CR LF)
    grep -E '^(FAIL|SKIP)' "$OUT/$name.out"
    local last; last=$(tail -n 1 "$OUT/$name.out")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        echo "$last"
        pass=$((pass+BASH_REMATCH[1])); fail=$((fail+BASH_REMATCH[2])); skip=$((skip+BASH_REMATCH[3]))
    else
        echo "FAIL $name: runner crashed or printed no summary"; tail -5 "$OUT/$name.out"; fail=$((fail+1))
    fi
}
have() { command -v "$1" > /dev/null 2>&1 || [ -x "$1" ]; }
W="-Wall -Wextra -pedantic -Werror"
D=$(cd "${LLM_TEST_DATA:-../shared/data}" 2>/dev/null && pwd)
IDS="$D/stories260K/greedy_first64.txt"
greedy() {  # greedy NAME RUN...: the generate example's 64 greedy ids of stories260K are llama2.c's
    local name=$1; shift
    if [ -n "$D" ] && [ -f "$IDS" ]; then
        local rel; rel=$(realpath --relative-to=. "$D")   # (WASI sees the current directory and its parent)
        check "$name" bash -c "$* '$rel/stories260K/stories260K.bin' -t 0 -n 64 --ids 2>/dev/null | tr -d '\r' |
            diff - <(cut -d' ' -f2- '$IDS')"
    else
        echo "SKIP $name (no shared data)"; skip=$((skip+1))
    fi
}

echo "== aarch64 (NEON) under qemu-aarch64"
if have aarch64-linux-gnu-gcc && have qemu-aarch64; then
    check build_aarch64 aarch64-linux-gnu-gcc -std=c99 -O2 $W -static -o "$OUT/runner_arm" tests/runner.c -lm -lpthread
    check build_aarch64_generate aarch64-linux-gnu-gcc -O2 -static -o "$OUT/gen_arm" examples/generate.c -lm -lpthread
    [ -x "$OUT/runner_arm" ] && runner "runner aarch64" qemu-aarch64 "$OUT/runner_arm"
    [ -x "$OUT/gen_arm" ] && greedy aarch64_stories260k_greedy qemu-aarch64 "$OUT/gen_arm"
else
    echo "SKIP aarch64 (aarch64-linux-gnu-gcc or qemu-aarch64 missing)"; skip=$((skip+1))
fi

echo "== Windows (mingw-w64, Win32 threads) under wine"
WINE=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; })
if have x86_64-w64-mingw32-gcc && [ -n "$WINE" ]; then
    export WINEDEBUG=-all
    check build_windows x86_64-w64-mingw32-gcc -std=c99 -O2 $W -o "$OUT/runner.exe" tests/runner.c
    check build_windows_generate x86_64-w64-mingw32-gcc -O2 -o "$OUT/gen.exe" examples/generate.c
    [ -f "$OUT/runner.exe" ] && runner "runner windows (wine)" "$WINE" "$OUT/runner.exe"
    [ -f "$OUT/gen.exe" ] && greedy windows_stories260k_greedy "$WINE" "$OUT/gen.exe"
else
    echo "SKIP windows (x86_64-w64-mingw32-gcc or wine missing)"; skip=$((skip+1))
fi

echo "== wasm32-wasi under node"
if have clang && have node && [ -f /usr/lib/wasm32-wasi/libc.a ]; then
    WA="--target=wasm32-wasi --sysroot=/usr -O2 -Wl,-z,stack-size=4194304"
    check build_wasm32 clang $WA $W -o "$OUT/runner.wasm" tests/runner.c
    check build_wasm32_simd128 clang $WA -msimd128 $W -o "$OUT/runner_simd.wasm" tests/runner.c
    check build_wasm32_generate clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$OUT/gen.wasm" examples/generate.c
    [ -f "$OUT/runner.wasm" ] && runner "runner wasm32 (node WASI)" node --no-warnings tests/wasi_run.mjs "$OUT/runner.wasm"
    [ -f "$OUT/runner_simd.wasm" ] && runner "runner wasm32 simd128" node --no-warnings tests/wasi_run.mjs "$OUT/runner_simd.wasm"
    [ -f "$OUT/gen.wasm" ] && greedy wasm32_stories260k_greedy node --no-warnings tests/wasi_run.mjs "$OUT/gen.wasm"
else
    echo "SKIP wasm32 (clang, node or wasi-libc missing)"; skip=$((skip+1))
fi

echo "== s390x (big-endian) under qemu-s390x"
if have s390x-linux-gnu-gcc && have qemu-s390x; then
    check build_s390x s390x-linux-gnu-gcc -std=c99 -O2 $W -static -o "$OUT/runner_s390x" tests/runner.c -lm -lpthread
    check build_s390x_generate s390x-linux-gnu-gcc -O2 -static -o "$OUT/gen_s390x" examples/generate.c -lm -lpthread
    [ -x "$OUT/runner_s390x" ] && runner "runner s390x (formats, tokenizers, parity)" qemu-s390x "$OUT/runner_s390x" \
        parity,import,shard,session,tok_,stories,gguf,checkpoint,save,load,sampler_state,kernel,quant,hf_
    [ -x "$OUT/gen_s390x" ] && greedy s390x_stories260k_greedy qemu-s390x "$OUT/gen_s390x"
else
    echo "SKIP s390x (s390x-linux-gnu-gcc or qemu-s390x missing)"; skip=$((skip+1))
fi

rm -rf "$OUT"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
