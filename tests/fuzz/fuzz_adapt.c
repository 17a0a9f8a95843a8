/* tests/fuzz/fuzz_adapt.c - adapting a model from memory: LoRA adapters (GGUF) against a tiny
   Llama, GPT-2 or Qwen3 (the first byte picks: bit 0 GPT-2, else bit 2 Qwen3; an adapter that
   loads is applied to a session, which decodes a token, and merged into a copy of the model) and
   instruction-tuning JSONL (the examples that load are cut into a batch). */
#include "fuzz.h"

static llm_model *fz_model(int k) {   /* 0 Llama, 1 GPT-2, 2 Qwen3: made once each, read-only afterwards */
    static llm_model *m[3];
    if (!m[k]) {
        size_t n;
        unsigned char *g = fz_tiny_model(k == 1 ? LLM_ARCH_GPT2 : k == 2 ? LLM_ARCH_QWEN3 : LLM_ARCH_LLAMA, 1, &n);
        if (g) llm_model_load_mem(g, n, NULL, &m[k], NULL);
        free(g);
    }
    return m[k];
}
static llm_threadpool *fz_pool(void) {   /* one thread; its kernels are chosen (timed) once */
    static llm_threadpool *p;
    if (!p) llm_threadpool_create(1, NULL, &p, NULL);
    return p;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_model *m;
    if (size < 1 || !(m = fz_model(data[0] & 1 ? 1 : data[0] & 4 ? 2 : 0))) return 0;
    if ((data[0] & 2) == 0) {
        llm_lora *lo = NULL;
        if (llm_lora_load_mem(m, data + 1, size - 1, NULL, &lo, NULL) == LLM_OK) {
            llm_session_desc sd;
            llm_session *s = NULL;
            llm_model_desc md;
            llm_model *copy = NULL;
            int32_t tok[2] = { 1, 2 };
            memset(&sd, 0, sizeof sd); sd.n_ctx = 4; sd.backend = LLM_BACKEND_CPU; sd.pool = fz_pool();
            if (llm_session_create(m, &sd, &s, NULL) == LLM_OK && llm_session_set_lora(s, lo, 1.0f) == LLM_OK)
                llm_session_eval(s, tok, 2, NULL);
            llm_session_free(s);
            memset(&md, 0, sizeof md); md.config = *llm_model_config(m);
            if (llm_model_create(&md, &copy, NULL) == LLM_OK) llm_lora_merge(copy, lo, 0.5f, NULL);
            llm_model_free(copy);
            llm_lora_free(lo);
        }
    } else {
        llm_sft_data *d = NULL;
        if (llm_sft_load_mem(llm_model_tokenizer(m), data + 1, size - 1, NULL, NULL, &d, NULL) == LLM_OK) {
            int32_t in[2 * 8], tg[2 * 8];
            llm_sft_batch(d, d->n_examples - 1, 2, 8, in, tg);
            llm_sft_free(d);
        }
    }
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char jsonl[] = "\002{\"prompt\": \"the dog\", \"response\": \"sleeps.\"}\n\n"
                                "{\"messages\": [{\"role\": \"system\", \"content\": \"ok\"}, {\"role\": \"user\", "
                                "\"content\": \"the fox\"}, {\"role\": \"assistant\", \"content\": \"jumps \\u00e9\"}]}\n";
    int ok = fz_write(dir, "sft.jsonl", jsonl, sizeof jsonl - 1), k;
    for (k = 0; k < 3; k++) {   /* an adapter on every matrix of each architecture */
        llm_model *m = fz_model(k);
        llm_lora_desc ld;
        llm_lora *lo = NULL;
        unsigned char *b;
        size_t n = 0, i;
        memset(&ld, 0, sizeof ld); ld.rank = 2; ld.targets = k == 1 ? 127u & ~LLM_LORA_GATE : 127u;
        if (!m || llm_lora_create(m, &ld, &lo, NULL) != LLM_OK) return 0;
        for (i = 0; i < llm_lora_num_params(lo); i++) llm_lora_params(lo)[i] = 0.01f * (float)(i % 7);
        llm_lora_save_mem(lo, NULL, 0, &n, NULL);
        b = (unsigned char *)malloc(n + 1);
        b[0] = (unsigned char)(k == 2 ? 4 : k);
        ok &= b && llm_lora_save_mem(lo, b + 1, n, &n, NULL) == LLM_OK &&
              fz_write(dir, k == 2 ? "lora_qwen3.gguf" : k ? "lora_gpt2.gguf" : "lora_llama.gguf", b, n + 1);
        free(b);
        llm_lora_free(lo);
    }
    return ok;
}
#endif
