#!/usr/bin/env bash
# tests/doc_examples.sh OUTDIR - compiles every C example of the documentation as C99 and as
# C++11 (gcc and g++, -Wall -Wextra -pedantic -Werror):
#   - the README's ```c blocks: a block with a main() as it is, any other block as the body
#     of a function;
#   - the blocks of llm.h's top-of-file comment between "---- example: NAME ----" and
#     "---- end ----", as the body of a function.
# The bodies get llm.h (with the implementation), <stdio.h>, <string.h> and a print_piece
# callback. Prints one line per example; exits 1 if any fails.
set -u
cd "$(dirname "$0")/.."
out=${1:-/tmp/llm_doc_examples.$$}
mkdir -p "$out"
fail=0; n=0
wrap() {   # wrap BODY_FILE OUT_FILE
    {
        printf '#define LLM_IMPLEMENTATION\n#include "%s/llm.h"\n#include <stdio.h>\n#include <string.h>\n' "$PWD"
        printf 'static int print_piece(const char *text, size_t len, int32_t tok, void *u) {\n'
        printf '    (void)tok; (void)u; fwrite(text, 1, len, stdout); return 0;\n}\n'
        printf 'static int example(void) {\n'
        cat "$1"
        printf '    return 0;\n}\nint main(void) { (void)print_piece; return example(); }\n'
    } > "$2"
}
check() {  # check NAME SOURCE
    local ok=1
    gcc -std=c99 -Wall -Wextra -pedantic -Werror -x c -c -o /dev/null "$2" > "$out/$1.c.log" 2>&1 || ok=0
    g++ -std=c++11 -Wall -Wextra -pedantic -Werror -x c++ -c -o /dev/null "$2" > "$out/$1.cxx.log" 2>&1 || ok=0
    n=$((n + 1))
    if [ $ok = 1 ]; then echo "ok   $1"; else echo "FAIL $1"; cat "$out/$1.c.log" "$out/$1.cxx.log" | head -20; fail=1; fi
}
# README blocks
awk -v dir="$out" '/^```c$/ { n++; f = sprintf("%s/readme_%d.raw", dir, n); inb = 1; next }
                   /^```/ { inb = 0; next }
                   inb { print > f }' README.md
for raw in "$out"/readme_*.raw; do
    [ -e "$raw" ] || continue
    name=$(basename "$raw" .raw)
    if grep -q 'int main' "$raw"; then
        sed "s|#include \"llm.h\"|#include \"$PWD/llm.h\"|" "$raw" > "$out/$name.c"
    else
        wrap "$raw" "$out/$name.c"
    fi
    check "$name" "$out/$name.c"
done
# llm.h's top-of-file examples
awk -v dir="$out" '/---- example: / { name = $3; f = sprintf("%s/llm_h_%s.raw", dir, name); inb = 1; next }
                   /---- end ----/ { inb = 0; next }
                   inb { print > f }' llm.h
for raw in "$out"/llm_h_*.raw; do
    [ -e "$raw" ] || continue
    name=$(basename "$raw" .raw)
    wrap "$raw" "$out/$name.c"
    check "$name" "$out/$name.c"
done
[ $n -gt 0 ] || { echo "FAIL: no examples found"; exit 1; }
exit $fail
