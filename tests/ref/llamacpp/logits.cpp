// tests/ref/llamacpp/logits.cpp GGUF model.ref - llama.cpp's logits of every position and greedy ids for a
// fixture of tests/data/arch, against its PyTorch reference (run by run.sh; links libllama; no part of llm.h or
// its runner). Gemma 3 differs by design: llama.cpp scales its scores by 1/sqrt(head_dim) whatever
// query_pre_attn_scalar says (but for 27B), and its GELU is a table of fp16 values.
#include "llama.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <vector>
int main(int argc, char **argv) {
    const char *gguf = argv[1], *ref = argv[2];
    FILE *f = fopen(ref, "rb");
    char magic[4]; int hdr[3];
    fread(magic, 1, 4, f); fread(hdr, 4, 3, f);
    int T = hdr[0], V = hdr[1], G = hdr[2];
    std::vector<int> tok(T); fread(tok.data(), 4, T, f);
    std::vector<double> lg((size_t)T * V); fread(lg.data(), 8, lg.size(), f);
    std::vector<int> greedy(G); fread(greedy.data(), 4, G, f);
    fclose(f);
    llama_backend_init();
    llama_log_set([](ggml_log_level l, const char *t, void *) {
        if (l >= GGML_LOG_LEVEL_ERROR) fputs(t, stderr);
    }, nullptr);
    llama_model_params mp = llama_model_default_params();
    llama_model *m = llama_model_load_from_file(gguf, mp);
    if (!m) { printf("%s: llama.cpp cannot load\n", gguf); return 1; }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 64; cp.n_batch = 64; cp.n_ubatch = 64; cp.n_threads = 1; cp.n_threads_batch = 1;
    cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context *ctx = llama_init_from_model(m, cp);
    llama_batch b = llama_batch_init(64, 0, 1);
    for (int i = 0; i < T; i++) {
        b.token[i] = tok[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1;
    }
    b.n_tokens = T;
    if (llama_decode(ctx, b)) { printf("decode failed\n"); return 1; }
    double mx = 0, mr = 0;
    for (int i = 0; i < T; i++) {
        const float *l = llama_get_logits_ith(ctx, i);
        for (int v = 0; v < V; v++) {
            mx = fmax(mx, fabs(l[v] - lg[(size_t)i * V + v]));
            mr = fmax(mr, fabs(lg[(size_t)i * V + v]));
        }
    }
    // greedy continuation, one token at a time
    int ok = 1, last = T - 1;
    for (int g = 0; g < G; g++) {
        const float *l = llama_get_logits_ith(ctx, g == 0 ? last : 0);
        int best = 0;
        for (int v = 1; v < V; v++) if (l[v] > l[best]) best = v;
        if (best != greedy[g]) { ok = 0; break; }
        b.n_tokens = 1; b.token[0] = best; b.pos[0] = T + g; b.n_seq_id[0] = 1; b.seq_id[0][0] = 0; b.logits[0] = 1;
        if (llama_decode(ctx, b)) { printf("decode failed\n"); return 1; }
    }
    printf("%s: logits rel err %.2e vs PyTorch, greedy %s\n", gguf, mx / mr, ok ? "equal" : "DIFFER");
    llama_batch_free(b);
    llama_free(ctx);
    llama_model_free(m);
    return 0;
}
