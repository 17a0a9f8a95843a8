/* tests/fuzz/fuzz_tokenizer.c - tokenizer files from memory: native GGUF, llama2.c tokenizer.bin,
   SentencePiece .model, Hugging Face tokenizer.json, GPT-2 encoder.json + vocab.bpe (the input
   split at its first NUL byte into the two files). A tokenizer that loads encodes and decodes a
   text and the input itself, writes a conversation in its chat format (a GGUF's
   tokenizer.chat_template), then takes the input as its chat template and writes it again. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    llm_tokenizer *t = NULL;
    llm_tokenizer_desc d;
    const unsigned char *nul = size ? (const unsigned char *)memchr(data, 0, size) : NULL;
    memset(&d, 0, sizeof d);
    if (nul && size && data[0] == '{') {   /* encoder.json \0 vocab.bpe */
        d.data2 = nul + 1; d.size2 = size - (size_t)(nul + 1 - data);
        size = (size_t)(nul - data);
    }
    if (llm_tokenizer_load_mem(data, size, &d, &t, NULL) == LLM_OK) {
        int32_t ids[256];
        char out[1024];
        size_t n = 0, k = 0;
        llm_tokenize(t, (const char *)data, size < 200 ? size : 200, LLM_TOKENIZE_ALLOW_SPECIAL, ids, 256, &n);
        if (n > 256) n = 256;
        llm_detokenize(t, ids, n, out, sizeof out, &k);
        llm_tokenizer_save_mem(t, NULL, 0, &k, NULL);
        {   /* chat formats */
            llm_chat_message m[3];
            char *j = (char *)malloc(size + 1);
            m[0].role = LLM_CHAT_SYSTEM; m[0].content = "sys";
            m[1].role = LLM_CHAT_USER; m[1].content = "<|im_start|> hi </think>";
            m[2].role = LLM_CHAT_ASSISTANT; m[2].content = "<think>a</think>b";
            llm_chat_tokenize(t, NULL, m, 3, 1, ids, 256, &n);
            if (j) {
                memcpy(j, data, size);
                j[size] = 0;
                llm_tokenizer_set_chat_template(t, j, NULL, NULL);
                llm_chat_tokenize(t, NULL, m, 3, 1, ids, 256, &n);
                free(j);
            }
        }
        llm_tokenizer_free(t);
    }
    return 0;
}

#if !defined(LLM_FUZZ_LIBFUZZER)
static int fz_seeds(const char *dir) {
    static const char tj[] =
        "{\"added_tokens\": [{\"id\": 3, \"content\": \"<e>\", \"special\": true}], \"pre_tokenizer\": {\"type\": "
        "\"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"<e>\": 3}, "
        "\"merges\": [\"a b\", [\"a\", \"b\"]]}}";
    static const char ej[] = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"\\u0120\": 3}\0#version: 0.2\na b\n";
    unsigned char tb[256];
    size_t n, at = 12;
    static const char text[] = "the quick brown fox jumps over the lazy dog; the dog sleeps. 1234 ++ -- ok";
    llm_bpe_train_desc bd;
    llm_tokenizer *t = NULL;
    unsigned char *g = NULL;
    int ok = 0, i;
    memset(&bd, 0, sizeof bd); bd.text = text; bd.size = sizeof text - 1; bd.vocab_size = 270;
    if (llm_tokenizer_train(&bd, &t, NULL) == LLM_OK && llm_tokenizer_save_mem(t, NULL, 0, &n, NULL) == LLM_OK &&
        (g = (unsigned char *)malloc(n)) && llm_tokenizer_save_mem(t, g, n, &n, NULL) == LLM_OK)
        ok = fz_write(dir, "native.gguf", g, n);
    free(g);
    g = NULL;
    if (ok && llm_tokenizer_set_chat_template(t, "{{ '<|im_start|>system\\nYou are a fuzzer.<|im_end|>\\n' }}</think>",
                                              NULL, NULL) == LLM_OK &&
        llm_tokenizer_save_mem(t, NULL, 0, &n, NULL) == LLM_OK && (g = (unsigned char *)malloc(n)) &&
        llm_tokenizer_save_mem(t, g, n, &n, NULL) == LLM_OK)
        ok = fz_write(dir, "native_chat.gguf", g, n);
    free(g);
    llm_tokenizer_free(t);
    ok &= fz_write(dir, "tokenizer.json", tj, sizeof tj - 1);
    ok &= fz_write(dir, "encoder_vocab", ej, sizeof ej - 1);
    /* llama2.c tokenizer.bin: max_token_length, then (score f32, len i32, bytes) per token: 4 tokens */
    llm__put_le(tb, 4, 4); llm__put_le(tb + 4, 0, 4); llm__put_le(tb + 8, 0, 4);
    at = 4;
    for (i = 0; i < 4; i++) {
        static const char *const p[4] = { "<unk>", "<s>", "a", "ab" };
        const size_t l = strlen(p[i]);
        llm__put_le(tb + at, 0x3f800000u, 4); llm__put_le(tb + at + 4, (uint32_t)l, 4);
        memcpy(tb + at + 8, p[i], l);
        at += 8 + l;
    }
    ok &= fz_write(dir, "tokenizer.bin", tb, at);
    return ok;
}
#endif
