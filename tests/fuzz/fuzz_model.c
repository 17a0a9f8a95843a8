/* tests/fuzz/fuzz_model.c - model files from memory: GGUF (every tensor type), karpathy/llm.c
   and llama2.c checkpoints. A file that loads is also saved and run for one token. */
#include "fuzz.h"

static llm_threadpool *fz_pool(void) {   /* one thread; its kernels are chosen (timed) once, not per session */
    static llm_threadpool *p;
    if (!p) llm_threadpool_create(1, NULL, &p, NULL);
    return p;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_model *m = NULL;
    llm_model_desc d;
    memset(&d, 0, sizeof d);
    d.quantized_only = size > 0 && (data[size - 1] & 1);   /* both ways of keeping quantized matrices */
    if (llm_model_load_mem(data, size, &d, &m, NULL) == LLM_OK) {
        llm_session_desc sd;
        llm_session *s = NULL;
        size_t n = 0;
        int32_t tok = 0;
        llm_model_save_mem(m, NULL, 0, &n, NULL);
        memset(&sd, 0, sizeof sd); sd.n_ctx = 4; sd.backend = LLM_BACKEND_CPU; sd.pool = fz_pool();
        if (llm_model_num_params(m) < 4000000 && llm_session_create(m, &sd, &s, NULL) == LLM_OK) {
            llm_session_eval(s, &tok, 1, NULL);
            llm_session_free(s);
        }
        llm_model_free(m);
    }
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    size_t n;
    unsigned char *g = fz_tiny_model(LLM_ARCH_GPT2, 1, &n), *l;
    int ok = g && fz_write(dir, "gpt2_tok.gguf", g, n);
    free(g);
    if ((l = fz_tiny_model(LLM_ARCH_LLAMA, 0, &n)) != NULL) {   /* and quantized: Q8_0 copies in the file */
        llm_model *m = NULL;
        ok &= fz_write(dir, "llama.gguf", l, n);
        if (llm_model_load_mem(l, n, NULL, &m, NULL) == LLM_OK &&
            llm_model_quantize(m, LLM_TYPE_Q4_0, NULL) == LLM_OK) {
            unsigned char *q;
            size_t qn = 0;
            llm_model_save_mem(m, NULL, 0, &qn, NULL);
            if ((q = (unsigned char *)malloc(qn)) && llm_model_save_mem(m, q, qn, &qn, NULL) == LLM_OK)
                ok &= fz_write(dir, "llama_q4_0.gguf", q, qn);
            free(q);
        }
        llm_model_free(m);
        free(l);
    }
    {   /* the new families with their keys: Llama 3 (rope_freqs.weight), Qwen2 (q/k/v biases), Qwen3 (q/k
           norms, head_dim), Gemma 3 (sliding layers, sandwich norms, attn_scale), and a Qwen3 in Q8_0 */
        static const char *const name[5] = { "llama3_rope_freqs.gguf", "qwen2.gguf", "qwen3.gguf", "gemma3.gguf",
                                             "qwen3_q8_0.gguf" };
        int k;
        for (k = 0; k < 5; k++) {
            llm_model_desc d;
            llm_model *m = NULL;
            unsigned char *q = NULL;
            size_t qn = 0;
            memset(&d, 0, sizeof d);
            d.config.arch = k == 0 ? LLM_ARCH_LLAMA : k == 1 ? LLM_ARCH_QWEN2 : k == 3 ? LLM_ARCH_GEMMA3
                                                                                     : LLM_ARCH_QWEN3;
            d.config.n_layer = k == 3 ? 2 : 1; d.config.n_head = 2; d.config.n_kv_head = 1; d.config.dim = 16;
            d.config.vocab_size = 16; d.config.max_seq_len = 8; d.config.ffn_dim = 16; d.seed = 5;
            if (k == 0) {
                d.config.rope_type = LLM_ROPE_LLAMA3; d.config.rope_factor = 8.0f; d.config.rope_low_freq_factor = 1;
                d.config.rope_high_freq_factor = 4; d.config.rope_orig_max_pos = 8; d.config.rope_theta = 500000.0f;
            }
            if (k >= 2) d.config.head_dim = 16;
            if (k == 3) {
                d.config.sliding_window = 2; d.config.sliding_pattern = 2; d.config.rope_local_theta = 10000.0f;
                d.config.attn_scale = 0.25f;
            }
            if (llm_model_create(&d, &m, NULL) == LLM_OK &&
                (k != 4 || llm_model_quantize(m, LLM_TYPE_Q8_0, NULL) == LLM_OK) &&
                llm_model_save_mem(m, NULL, 0, &qn, NULL) == LLM_OK && (q = (unsigned char *)malloc(qn)) &&
                llm_model_save_mem(m, q, qn, &qn, NULL) == LLM_OK)
                ok &= fz_write(dir, name[k], q, qn);
            else ok = 0;
            free(q);
            llm_model_free(m);
        }
    }
    {   /* llama2.c legacy: dim 16, hidden 32, 1 layer, 2 heads, 2 kv heads, vocab 8 (shared), seq 4 */
        const int32_t h[7] = { 16, 32, 1, 2, 2, 8, 4 };
        const size_t nf = 8 * 16 + 16 + 3 * 16 * 16 + 16 * 16 + 16 + 3 * 32 * 16 + 16 + 4 * 8;
        unsigned char *b = (unsigned char *)calloc(28 + 4 * nf, 1);
        size_t i;
        for (i = 0; i < 7; i++) llm__put_le(b + 4 * i, (uint32_t)h[i], 4);
        for (i = 0; i < nf; i++) llm__put_le(b + 28 + 4 * i, 0x3c000000u + (uint32_t)(i * 977 % 4096), 4);
        ok &= fz_write(dir, "llama2c.bin", b, 28 + 4 * nf);
        free(b);
    }
    {   /* llm.c: header 256 x int32 (magic, version 3, maxT 4, V 8, L 1, NH 2, C 8, Vp 8) + parameters */
        const size_t C = 8, nf = 8 * C + 4 * C + (12 * C * C + 13 * C) + 2 * C;
        unsigned char *b = (unsigned char *)calloc(1024 + 4 * nf, 1);
        const uint32_t h[8] = { 20240326u, 3, 4, 8, 1, 2, 8, 8 };
        size_t i;
        for (i = 0; i < 8; i++) llm__put_le(b + 4 * i, h[i], 4);
        ok &= fz_write(dir, "llmc.bin", b, 1024 + 4 * nf);
        free(b);
    }
    return ok;
}
#endif
