#!/bin/sh
# tests/ref/llamacpp/run.sh LLAMA_CPP_DIR - by hand: llama.cpp's logits of every position and its greedy ids
# on the fixtures of tests/data/arch (model.gguf as the generator wrote it, and as llm.h exports it from the
# Hugging Face directory, F32 and Q8_0), against the PyTorch reference (model.ref). llama.cpp built as
# ../shared/anchors.md says (libllama). Its KV cache is set to F32 and flash attention off.
#   run.sh LLAMA_CPP_DIR fixtures   writes tests/data/arch/{llama3,qwen3,gemma3}/llamacpp_q8_0.gguf instead:
#                                    the fixture quantized by llama-quantize (test arch_llamacpp_quantized)
set -e
L=${1:?LLAMA_CPP_DIR}
if [ "$2" = fixtures ]; then
    D=$(mktemp -d)
    cd "$(dirname "$0")/../../.."
    for n in llama3 qwen3 gemma3; do
        ${PYTHON:-/usr/bin/python3} tests/ref/llamacpp/novocab.py tests/data/arch/$n/model.gguf "$D/a.gguf" "$L"
        "$L/build/bin/llama-quantize" "$D/a.gguf" tests/data/arch/$n/llamacpp_q8_0.gguf Q8_0 >/dev/null 2>&1
    done
    rm -rf "$D"
    exit 0
fi
D=$(mktemp -d)
PY=${PYTHON:-/usr/bin/python3}   # (numpy)
cd "$(dirname "$0")/../../.."
g++ -O1 -std=c++17 -I"$L/include" -I"$L/ggml/include" -o "$D/logits" tests/ref/llamacpp/logits.cpp \
    -L"$L/build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$L/build/bin"
cat > "$D/exp.c" <<'C'
#define LLM_IMPLEMENTATION
#include "llm.h"
int main(int argc, char **argv) {   /* exp HF_DIR OUT.gguf TYPE */
    llm_model *m = NULL; llm_error e; llm_export_desc d;
    memset(&d, 0, sizeof d); d.format = LLM_FORMAT_GGUF; d.type = (llm_type)atoi(argv[3]);
    if (llm_model_load(argv[1], NULL, &m, &e) || llm_model_export(m, argv[2], &d, &e)) { puts(e.message); return 1; }
    llm_model_free(m);
    return 0;
}
C
cc -std=c99 -O1 -I. -o "$D/exp" "$D/exp.c" -lm -lpthread
for n in llama3 llama3_tied llama_linear smollm2 qwen2 qwen3 gemma3; do
    "$PY" tests/ref/llamacpp/novocab.py tests/data/arch/$n/model.gguf "$D/a.gguf" "$L"
    "$D/logits" "$D/a.gguf" tests/data/arch/$n/model.ref 2>/dev/null | sed "s|$D/a.gguf|$n (generator)|"
    for ty in 0 8; do
        "$D/exp" tests/data/arch/$n "$D/b.gguf" $ty
        "$PY" tests/ref/llamacpp/novocab.py "$D/b.gguf" "$D/c.gguf" "$L"
        "$D/logits" "$D/c.gguf" tests/data/arch/$n/model.ref 2>/dev/null |
            sed "s|$D/c.gguf|$n (llm.h export, type $ty)|"
    done
done
rm -rf "$D"
