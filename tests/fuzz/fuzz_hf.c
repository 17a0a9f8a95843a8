/* tests/fuzz/fuzz_hf.c - the Hugging Face readers: the JSON reader, config.json and a
   safetensors header (the input as a whole safetensors file in memory). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_config c;
    llm__src src;
    llm__st h;
    if (llm__js_check(data, size)) {
        size_t v = llm__js_get(data, size, llm__skip_ws(data, size, 0), "model_type");
        if (llm__hf_config(data, size, &c, NULL) == LLM_OK) llm_config_resolve(&c, NULL);
        (void)v;
    }
    memset(&h, 0, sizeof h);
    memset(&src, 0, sizeof src);
    src.mem = data; src.size = size;
    h.src = &src; h.n_src = 1;
    llm__st_header(&h, 0, "input", NULL);
    h.src = NULL; h.n_src = 0;   /* (the source is the input: nothing to close) */
    llm__st_close(&h);
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char cfg[] =
        "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
        "\"hidden_size\": 32, \"intermediate_size\": 64, \"max_position_embeddings\": 16, \"vocab_size\": 64, "
        "\"rms_norm_eps\": 1e-06, \"rope_theta\": 500000.0, \"tie_word_embeddings\": true, \"rope_scaling\": null}";
    static const char st[] = "{\"__metadata__\":{\"format\":\"pt\"},\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],"
                             "\"data_offsets\":[0,16]},"
                             "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[16,24]}}";
    unsigned char file[512];
    size_t hn = sizeof st - 1, pad = (8 - hn % 8) % 8;
    int ok = fz_write(dir, "config.json", cfg, sizeof cfg - 1);
    llm__put_le(file, hn + pad, 8);
    memcpy(file + 8, st, hn);
    memset(file + 8 + hn, ' ', pad);
    memset(file + 8 + hn + pad, 0x3f, 24);
    return ok && fz_write(dir, "model.safetensors", file, 8 + hn + pad + 24);
}
#endif
