/* examples/train.c - trains a GPT-2 or Llama model with llm.h, on the CPU or an NVIDIA GPU.

   Shows: creating a model from flags or loading one (native GGUF, karpathy/llm.c GPT-2,
   llama2.c), training a BPE tokenizer on the data (--vocab-size) or using one (--tokenizer),
   the trainer (AdamW, warmup + cosine, clipping, gradient accumulation), a held-out
   validation split, checkpoints that keep the tokenizer and resume bit-identically,
   sampling from the model as it learns with a session, a sampler and llm_generate, and
   adapting a model: instruction tuning on JSONL (--sft: the loss over the responses only) and
   LoRA adapters (--lora-rank: the base frozen; --save-lora, --merge-lora).

   Build:  cc -O3 -march=native -o train examples/train.c -lm -lpthread
   GPU:    nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu -o train examples/train.c -lcublas
           (the same source; without a usable GPU at run time it says why and uses the CPU)
   Run:    ./train                      (the demo: a small model learns llm.h's own text in
                                         about a minute, then is saved as demo.gguf)
           ./generate demo.gguf -i "static "
           ./train --data input.txt --arch gpt2 --layers 4 --heads 4 --dim 128 --steps 500
           ./train --tokens shard.bin --init gpt2_124M.bin --batch 4 --seq 64
           ./train --resume run.gguf --data input.txt --steps 1000
           ./train --init demo.gguf --data examples/sft_pirate.jsonl --sft --lora-rank 16 --lora-alpha 32
                   --lora-targets all --batch 12 --seq 96 --steps 300 --lr 4e-3 --save-lora pirate.gguf
           ./generate demo.gguf --lora pirate.gguf --chat -i "What is a tokenizer?" -t 0

   Data: the text's tokens (or the shard's), split into training (the first 1 - val_frac)
   and validation (the rest). Micro-batch i uses the B*T+1 tokens starting at i*B*T of the
   training part (wrapping to its start), inputs the first B*T, targets shifted by one. */
#define LLM_IMPLEMENTATION
#include "../llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* warnings and errors from the library (e.g. why no GPU is used) go to stderr */
static void on_log(int level, const char *msg, void *u) {
    (void)u;
    if (level <= 1) fprintf(stderr, "%s\n", msg);
}

typedef struct opts {
    const char *data, *tokens, *init, *resume, *save, *tokenizer;
    int sft, lora_rank;             /* --sft (JSONL data), --lora-rank (0: train every weight) */
    float lora_alpha, lora_dropout;
    const char *lora_targets, *save_lora, *merge_lora;
    int vocab_size;
    int save_every;
    llm_config cfg;
    int batch, seq, steps, accum, warmup, threads, sample_every, sample_len, val_every;
    float lr, min_lr_frac, wd, clip, val_frac, seconds;
    llm_schedule schedule;
    uint64_t seed;
} opts;

static void usage(void) {
    fprintf(stderr,
        "usage: train [options]           (no options: the demo, about a minute, saves demo.gguf)\n"
        "  --data FILE | --tokens SHARD   text or an llm.c token shard\n"
        "  --vocab-size N | --tokenizer P train a BPE tokenizer of N tokens on the text, or use one\n"
        "                                 (tokenizer.json, a GPT-2 dir, .model, tokenizer.bin, GGUF); default: the\n"
        "                                 checkpoint's own tokenizer, else bytes as tokens\n"
        "  --init CKPT | --resume CKPT    start from weights (GGUF of any type, a Hugging Face directory,\n"
        "                                 llm.c, llama2.c), or resume a native run\n"
        "  --save FILE [--save-every N]   native checkpoint (GGUF, with the tokenizer and optimizer state)\n"
        "  --arch gpt2|llama|qwen2|qwen3|gemma3 --layers N --heads N --kv-heads N --dim N --ffn N --vocab N --ctx N\n"
        "  --batch B --seq T --steps N --accum N --lr X --warmup N --schedule cosine|constant\n"
        "  --min-lr-frac F --wd X --clip X --seed N --threads N --sample-every N --sample-len N\n"
        "  --val-frac F --val-every N      held-out share of the data (0.1) and how often to report\n"
        "                                 its loss (every sample; 0 = only at the end)\n"
        "  --seconds S                    pick the number of steps to take about S seconds\n"
        "  --sft                          --data is JSONL of {\"prompt\", \"response\"} or {\"messages\": [...]}:\n"
        "                                 instruction tuning, the loss over the responses only\n"
        "  --lora-rank R [--lora-alpha A] [--lora-targets q,k,v,o,gate,up,down|qkv|all] [--save-lora F]\n"
        "                [--lora-dropout P]\n"
        "                                 train a LoRA adapter (rank R, alpha A = R, targets q,v) instead\n"
        "                                 of the weights; --save-lora writes it (GGUF, llama.cpp's layout)\n"
        "  --merge-lora F --init BASE --save OUT   merge an adapter into a model and save it\n");
}

/* The command line into o (defaults already there): 0, 1 for a bad one (said why), 2 for --help. */
static int parse(int argc, char **argv, opts *o) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define STR(name, field) if (strcmp(a, name) == 0) { if (!v) goto missing; o->field = v; i++; continue; }
#define INT(name, field) if (strcmp(a, name) == 0) { char *e; long x; if (!v) goto missing; x = strtol(v, &e, 10); \
        if (*e || e == v || x < 0 || x > 1000000000L) { goto bad; } o->field = (int)x; i++; continue; }
#define FLT(name, field, hi) if (strcmp(a, name) == 0) { char *e; double x; if (!v) goto missing; x = strtod(v, &e); \
        if (*e || e == v || !(x >= 0) || x > (hi)) { goto bad; } o->field = (float)x; i++; continue; }
        STR("--data", data) STR("--tokens", tokens) STR("--init", init) STR("--resume", resume) STR("--save", save)
        STR("--tokenizer", tokenizer) INT("--vocab-size", vocab_size) INT("--save-every", save_every)
        STR("--lora-targets", lora_targets) STR("--save-lora", save_lora) STR("--merge-lora", merge_lora)
        INT("--lora-rank", lora_rank) FLT("--lora-alpha", lora_alpha, 1e6) FLT("--lora-dropout", lora_dropout, 0.99)
        INT("--layers", cfg.n_layer) INT("--heads", cfg.n_head) INT("--kv-heads", cfg.n_kv_head)
        INT("--dim", cfg.dim) INT("--ffn", cfg.ffn_dim) INT("--vocab", cfg.vocab_size) INT("--ctx", cfg.max_seq_len)
        INT("--batch", batch) INT("--seq", seq) INT("--steps", steps) INT("--accum", accum) INT("--warmup", warmup)
        INT("--threads", threads) INT("--sample-every", sample_every) INT("--sample-len", sample_len)
        INT("--val-every", val_every)
        FLT("--lr", lr, 1e3) FLT("--min-lr-frac", min_lr_frac, 1) FLT("--wd", wd, 1e3) FLT("--clip", clip, 1e9)
        FLT("--val-frac", val_frac, 0.9) FLT("--seconds", seconds, 1e7)
        if (strcmp(a, "--seed") == 0) {
            char *e;
            if (!v) goto missing;
            o->seed = strtoull(v, &e, 10);
            if (*e || e == v) goto bad;
            i++; continue;
        }
        if (strcmp(a, "--arch") == 0) {
            if (!v) goto missing;
            if (strcmp(v, "gpt2") == 0) o->cfg.arch = LLM_ARCH_GPT2;
            else if (strcmp(v, "llama") == 0) o->cfg.arch = LLM_ARCH_LLAMA;
            else if (strcmp(v, "qwen2") == 0) o->cfg.arch = LLM_ARCH_QWEN2;
            else if (strcmp(v, "qwen3") == 0) o->cfg.arch = LLM_ARCH_QWEN3;
            else if (strcmp(v, "gemma3") == 0) o->cfg.arch = LLM_ARCH_GEMMA3;
            else goto bad;
            i++; continue;
        }
        if (strcmp(a, "--schedule") == 0) {
            if (!v) goto missing;
            if (strcmp(v, "cosine") == 0) o->schedule = LLM_SCHEDULE_COSINE;
            else if (strcmp(v, "constant") == 0) o->schedule = LLM_SCHEDULE_CONSTANT;
            else goto bad;
            i++; continue;
        }
        if (strcmp(a, "--sft") == 0) { o->sft = 1; continue; }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(); return 2; }
        fprintf(stderr, "train: unknown option '%s'\n", a);
        usage();
        return 1;
    missing:
        fprintf(stderr, "train: %s needs a value\n", a);
        return 1;
    bad:
        fprintf(stderr, "train: bad value '%s' for %s\n", v, a);
        return 1;
    }
#undef STR
#undef INT
#undef FLT
    return 0;
}

/* Streams generated text to stdout. */
static int print_text(const char *text, size_t len, int32_t tok, void *u) {
    (void)tok; (void)u;
    fwrite(text, 1, len, stdout);
    return 0;
}

/* A sample from the model: a session continues `prompt` (a few tokens of the validation
   text) with temperature 0.8 and top-p 0.95. */
static void sample(const llm_model *m, const llm_lora *lora, llm_threadpool *pool, const int32_t *prompt, int n_prompt,
                   int len, uint64_t seed) {
    llm_session_desc sd;
    llm_sampler_desc spd;
    llm_generate_desc gd;
    llm_session *s = NULL;
    llm_sampler *smp = NULL;
    llm_error err;
    memset(&sd, 0, sizeof sd);
    sd.pool = pool;
    memset(&spd, 0, sizeof spd);
    spd.temperature = 0.8f; spd.top_p = 0.95f; spd.seed = seed;
    memset(&gd, 0, sizeof gd);
    gd.prompt_ids = prompt; gd.n_prompt_ids = n_prompt; gd.max_tokens = len; gd.on_text = print_text;
    gd.context_shift = 1;
    if (llm_session_create(m, &sd, &s, &err) != LLM_OK || llm_sampler_create(m, &spd, &smp, &err) != LLM_OK ||
        (lora && llm_session_set_lora(s, lora, 1.0f) != LLM_OK)) {
        fprintf(stderr, "train: sample: %s\n", err.message);
    } else {
        const llm_tokenizer *tok = llm_model_tokenizer(m);
        char *text = NULL;
        size_t n = 0;
        printf("--- sample ---\n");
        if (tok && llm_detokenize(tok, prompt, (size_t)n_prompt, NULL, 0, &n) == LLM_OK && (text = (char *)malloc(n + 1))) {
            llm_detokenize(tok, prompt, (size_t)n_prompt, text, n, &n);
            fwrite(text, 1, n, stdout);
            free(text);
        }
        if (llm_generate(s, smp, &gd, NULL) != LLM_OK) fprintf(stderr, "train: sample: %s\n", llm_session_last_error(s));
        printf("\n--------------\n");
        fflush(stdout);
    }
    llm_sampler_free(smp);
    llm_session_free(s);
}

/* Mean loss over up to 8 batches of the validation tokens. */
static float val_loss(llm_trainer *tr, const int32_t *val, size_t n_val, int B, int T, int32_t *in, int32_t *tg) {
    const size_t BT = (size_t)B * T;
    double sum = 0;
    int k, used = 0;
    for (k = 0; k < 8 && (size_t)(k + 1) * BT + 1 <= n_val; k++) {
        float l;
        memcpy(in, val + (size_t)k * BT, BT * sizeof(int32_t));
        memcpy(tg, val + (size_t)k * BT + 1, BT * sizeof(int32_t));
        if (llm_trainer_eval(tr, in, tg, &l) != LLM_OK) return -1;
        sum += l;
        used++;
    }
    return used ? (float)(sum / used) : -1;
}

/* The tokens: a shard's, the text encoded with the model's tokenizer, or the text's bytes. */
static int32_t *load_tokens(const opts *o, const llm_model *model, const void *text, size_t text_len, size_t *n) {
    const llm_tokenizer *mt = llm_model_tokenizer(model);
    int32_t *data;
    size_t i;
    llm_error err;
    if (o->tokens) {
        int32_t *shard;
        if (llm_token_shard_load(o->tokens, NULL, &shard, n, &err) != LLM_OK) {
            fprintf(stderr, "train: %s\n", err.message);
            return NULL;
        }
        data = (int32_t *)malloc(*n * sizeof(int32_t));
        if (data) memcpy(data, shard, *n * sizeof(int32_t));
        llm_free(NULL, shard);
        return data;
    }
    if (mt && llm_tokenizer_vocab_size(mt) > 256) {
        double t0 = llm_time_seconds();
        llm_tokenize(mt, (const char *)text, text_len, 0, NULL, 0, n);
        data = (int32_t *)malloc((*n ? *n : 1) * sizeof(int32_t));
        if (!data || llm_tokenize(mt, (const char *)text, text_len, 0, data, *n, n) != LLM_OK) {
            fprintf(stderr, "train: cannot tokenize the data\n");
            free(data);
            return NULL;
        }
        printf("data: %lu bytes -> %lu tokens (%.2f bytes/token) in %.2f s\n", (unsigned long)text_len,
               (unsigned long)*n, (double)text_len / (double)(*n ? *n : 1), llm_time_seconds() - t0);
        return data;
    }
    data = (int32_t *)malloc((text_len ? text_len : 1) * sizeof(int32_t));   /* bytes are the tokens */
    if (!data) return NULL;
    for (i = 0; i < text_len; i++) data[i] = ((const unsigned char *)text)[i];
    *n = text_len;
    printf("data: %lu bytes, one token each (a byte-level model)\n", (unsigned long)text_len);
    return data;
}

/* The model: loaded, or new from the flags, with its tokenizer. */
static llm_model *make_model(const opts *o, const llm_tokenizer *tok) {
    llm_model_desc md;
    llm_model *model = NULL;
    llm_error err;
    memset(&md, 0, sizeof md);
    md.seed = o->seed;
    if (o->init || o->resume) {
        const char *path = o->init ? o->init : o->resume;
        if (llm_model_load(path, &md, &model, &err) != LLM_OK) {
            fprintf(stderr, "train: %s: %s\n", path, err.message);
            return NULL;
        }
        {   /* training is fp32: a quantized file (Q8_0, Q4_K, ...) trains from the values its blocks hold */
            int i, q = 0;
            for (i = 0; i < llm_model_num_tensors(model); i++) q += llm_model_tensor(model, i)->type != LLM_TYPE_F32;
            if (q && llm_model_quantize(model, LLM_TYPE_F32, &err) == LLM_OK)
                printf("%s: %d quantized matrices, trained in fp32 from their values\n", path, q);
        }
    } else {
        md.config = o->cfg;
        if (!md.config.n_layer) md.config.n_layer = 4;
        if (!md.config.n_head) md.config.n_head = 4;
        if (!md.config.dim) md.config.dim = 128;
        if (!md.config.vocab_size) md.config.vocab_size = tok ? llm_tokenizer_vocab_size(tok) : 256;
        if (!md.config.max_seq_len) md.config.max_seq_len = o->seq;
        if (llm_model_create(&md, &model, &err) != LLM_OK) {
            fprintf(stderr, "train: %s\n", err.message);
            return NULL;
        }
    }
    if (tok && llm_model_set_tokenizer(model, tok, &err) != LLM_OK) {   /* saved with the checkpoints */
        fprintf(stderr, "train: %s\n", err.message);
        llm_model_free(model);
        return NULL;
    }
    if (!llm_model_tokenizer(model) && !o->tokens && llm_model_config(model)->vocab_size == 256) {
        /* a byte-level model: the plain byte tokenizer goes into its checkpoints, so that
           ./generate can take text for it */
        llm_bpe_train_desc bd;
        llm_tokenizer *bytes;
        memset(&bd, 0, sizeof bd);
        bd.vocab_size = 256;
        if (llm_tokenizer_train(&bd, &bytes, &err) == LLM_OK) {
            llm_model_set_tokenizer(model, bytes, NULL);
            llm_tokenizer_free(bytes);
        }
    }
    return model;
}

/* --lora-targets "q,v" (or qkv, all) as LLM_LORA_* bits; 0 for a bad list */
static unsigned lora_targets(const char *s, llm_arch arch) {
    static const struct { const char *name; unsigned bits; } names[] = {
        {"q", LLM_LORA_Q}, {"k", LLM_LORA_K}, {"v", LLM_LORA_V}, {"qkv", LLM_LORA_QKV}, {"o", LLM_LORA_O},
        {"gate", LLM_LORA_GATE}, {"up", LLM_LORA_UP}, {"down", LLM_LORA_DOWN}, {"all", 127u}};
    unsigned bits = 0;
    if (!s) return arch == LLM_ARCH_GPT2 ? LLM_LORA_QKV : LLM_LORA_Q | LLM_LORA_V;
    while (*s) {
        size_t n = strcspn(s, ","), k;
        for (k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strlen(names[k].name) == n && strncmp(s, names[k].name, n) == 0) break;
        if (k == sizeof names / sizeof names[0]) return 0;
        bits |= names[k].bits;
        s += n + (s[n] == ',');
    }
    if (arch == LLM_ARCH_GPT2) bits &= ~LLM_LORA_GATE;   /* "all" on GPT-2: it has no gate */
    return bits;
}

/* Instruction tuning: the model's greedy answers to the first examples' prompts (each
   example up to its first learned token), through the adapter when there is one. */
static void sft_answers(const llm_model *m, const llm_lora *lora, llm_threadpool *pool, const llm_sft_data *d, int len) {
    size_t e;
    for (e = 0; e < d->n_examples && e < 4; e++) {
        size_t k = d->start[e], n;
        llm_session_desc sd;
        llm_generate_desc gd;
        llm_session *s = NULL;
        llm_sampler *smp = NULL;
        char *text;
        while (k < d->start[e + 1] && !d->learn[k]) k++;
        n = k - d->start[e];
        memset(&sd, 0, sizeof sd); sd.pool = pool;
        memset(&gd, 0, sizeof gd);
        gd.prompt_ids = d->tokens + d->start[e]; gd.n_prompt_ids = (int)n; gd.max_tokens = len; gd.on_text = print_text;
        if (llm_session_create(m, &sd, &s, NULL) != LLM_OK || llm_sampler_create(m, NULL, &smp, NULL) != LLM_OK ||
            (lora && llm_session_set_lora(s, lora, 1.0f) != LLM_OK)) {
            llm_session_free(s);
            llm_sampler_free(smp);
            return;
        }
        {   /* the prompt as text, then the answer */
            size_t tn = 0;
            llm_detokenize(llm_model_tokenizer(m), gd.prompt_ids, n, NULL, 0, &tn);
            if ((text = (char *)malloc(tn + 1)) != NULL) {
                llm_detokenize(llm_model_tokenizer(m), gd.prompt_ids, n, text, tn, &tn);
                fwrite(text, 1, tn, stdout);
                free(text);
            }
        }
        llm_generate(s, smp, &gd, NULL);
        printf("\n");
        llm_sampler_free(smp);
        llm_session_free(s);
    }
    printf("--------------\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    opts o;
    llm_sft_data *sft = NULL;
    llm_lora *lora = NULL;
    size_t sft_pos = 0;
    llm_model *model = NULL;
    llm_trainer *tr = NULL;
    llm_threadpool *pool = NULL;
    llm_trainer_desc td;
    llm_error err;
    int32_t *data = NULL, *in = NULL, *tg = NULL;
    llm_tokenizer *tok = NULL;
    void *text = NULL;
    size_t text_len = 0, n_data = 0, n_train, pos = 0;
    uint64_t data_pos = 0;
    int step, demo = argc == 1, rc = 1, first;
    double t_start, t_steps = 0;
    const llm_config *c;
    memset(&o, 0, sizeof o);
    o.cfg.arch = LLM_ARCH_LLAMA;
    o.batch = 4; o.seq = 64; o.accum = 1; o.lr = 1e-3f; o.sample_len = 200; o.min_lr_frac = 0.1f;
    o.wd = 0.0f; o.clip = 1.0f; o.seed = 1337; o.val_frac = 0.1f; o.val_every = -1;
    if (demo) {  /* a small Llama with a 512-token BPE vocabulary learns this library's own source */
        o.data = "llm.h"; o.vocab_size = 512; o.cfg.n_layer = 4; o.cfg.n_head = 4; o.cfg.dim = 128; o.cfg.max_seq_len = 128;
        o.batch = 8; o.seq = 128; o.lr = 2e-3f; o.warmup = 30; o.wd = 0.1f; o.seconds = 60; o.save = "demo.gguf";
        printf("llm.h demo: a 512-token BPE tokenizer and a small Llama (4 layers, dim 128) learn llm.h's own text\n"
               "for about a minute; samples show the progress; the model is saved as demo.gguf.\n"
               "Then: ./generate demo.gguf -i \"static \"        (./train --help for the options)\n\n");
    }
    if ((rc = parse(argc, argv, &o)) != 0) return rc == 2 ? 0 : 2;
    rc = 1;
    if (o.merge_lora) {   /* base + adapter -> merged model */
        if (!o.init || !o.save) { fprintf(stderr, "train: --merge-lora needs --init BASE and --save OUT\n"); return 2; }
        if (!(model = make_model(&o, NULL))) return 1;
        if (llm_lora_load(model, o.merge_lora, NULL, &lora, &err) != LLM_OK ||
            llm_lora_merge(model, lora, 1.0f, &err) != LLM_OK || llm_model_save(model, o.save, &err) != LLM_OK) {
            fprintf(stderr, "train: %s\n", err.message);
        } else {
            printf("merged %s (rank %d, alpha %g, %lu parameters) into %s: saved %s\n", o.merge_lora, llm_lora_rank(lora),
                   (double)llm_lora_alpha(lora), (unsigned long)llm_lora_num_params(lora), o.init, o.save);
            rc = 0;
        }
        llm_lora_free(lora);
        llm_model_free(model);
        return rc;
    }
    if (!o.data && !o.tokens) { fprintf(stderr, "train: need --data FILE or --tokens SHARD\n"); usage(); return 2; }
    if (o.lora_rank && o.save) { fprintf(stderr, "train: with --lora-rank the adapter is saved: --save-lora FILE\n"); return 2; }
    if (o.sft && o.tokens) { fprintf(stderr, "train: --sft reads JSONL text: --data FILE\n"); return 2; }
    if (o.accum < 1) o.accum = 1;
    if (!o.steps && !o.seconds) o.steps = 100;
    if (llm_threadpool_create(o.threads, NULL, &pool, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); return 1; }
    t_start = llm_time_seconds();

    /* the tokenizer: --tokenizer, or trained here (--vocab-size), or the checkpoint's own */
    if (o.data && llm_read_file(o.data, NULL, &text, &text_len, &err) != LLM_OK) {
        fprintf(stderr, "train: %s\n", err.message); goto done;
    }
    if (o.tokenizer) {
        if (llm_tokenizer_load(o.tokenizer, NULL, &tok, &err) != LLM_OK) {
            fprintf(stderr, "train: %s: %s\n", o.tokenizer, err.message); goto done;
        }
    } else if (o.vocab_size && text) {
        llm_bpe_train_desc bd;
        double t0 = llm_time_seconds();
        memset(&bd, 0, sizeof bd); bd.text = text; bd.size = text_len; bd.vocab_size = o.vocab_size;
        if (llm_tokenizer_train(&bd, &tok, &err) != LLM_OK) { fprintf(stderr, "train: tokenizer: %s\n", err.message); goto done; }
        printf("trained a BPE tokenizer: %d tokens in %.2f s\n", llm_tokenizer_vocab_size(tok), llm_time_seconds() - t0);
    }
    if (!(model = make_model(&o, tok))) goto done;
    c = llm_model_config(model);
    if (o.sft) {   /* instruction tuning: examples from JSONL, the loss over the responses */
        if (!llm_model_tokenizer(model)) { fprintf(stderr, "train: --sft needs a tokenizer\n"); goto done; }
        if (llm_sft_load_mem(llm_model_tokenizer(model), text, text_len, NULL, NULL, &sft, &err) != LLM_OK) {
            fprintf(stderr, "train: %s: %s\n", o.data, err.message);
            goto done;
        }
        printf("sft: %lu examples, %lu tokens, %lu of them learned (responses and their EOS)\n",
               (unsigned long)sft->n_examples, (unsigned long)sft->n_tokens, (unsigned long)sft->n_learn);
        {   /* a row holds one example's first T + 1 tokens: say when some are cut */
            size_t e, cut = 0, longest = 0;
            for (e = 0; e < sft->n_examples; e++) {
                const size_t len = sft->start[e + 1] - sft->start[e];
                cut += len > (size_t)o.seq + 1;
                if (len > longest) longest = len;
            }
            if (cut)
                fprintf(stderr, "train: %lu of %lu examples are longer than --seq %d + 1 tokens (the longest: %lu) and "
                        "are cut there: their ends are not learned\n", (unsigned long)cut,
                        (unsigned long)sft->n_examples, o.seq, (unsigned long)longest);
        }
        n_data = sft->n_tokens;
        if (!(data = (int32_t *)malloc(n_data * sizeof(int32_t)))) goto done;
        memcpy(data, sft->tokens, n_data * sizeof(int32_t));
    } else if (!(data = load_tokens(&o, model, text, text_len, &n_data))) goto done;
    {
        size_t i;
        for (i = 0; i < n_data; i++)
            if (data[i] < 0 || data[i] >= c->vocab_size) {
                fprintf(stderr, "train: token %d at %lu is outside the model's vocabulary (%d)\n", data[i],
                        (unsigned long)i, c->vocab_size);
                goto done;
            }
    }
    n_train = sft ? n_data : n_data - (size_t)((double)n_data * o.val_frac);   /* (SFT: no held-out split) */
    if (!sft && n_train < (size_t)o.batch * o.seq + 1) {
        fprintf(stderr, "train: the training part holds %lu tokens, a batch needs %d\n", (unsigned long)n_train,
                o.batch * o.seq + 1);
        goto done;
    }
    if (n_data - n_train < (size_t)o.batch * o.seq + 1) n_train = n_data;   /* too little to validate on */
    memset(&td, 0, sizeof td);
    td.batch = o.batch; td.seq_len = o.seq; td.lr = o.lr; td.weight_decay = o.wd; td.grad_clip = o.clip;
    td.warmup_steps = o.warmup; td.total_steps = o.steps; td.schedule = o.schedule; td.min_lr_frac = o.min_lr_frac;
    td.seed = o.seed; td.pool = pool; td.log_fn = on_log;
    if (o.lora_rank) {   /* a LoRA adapter is trained instead of the weights */
        llm_lora_desc ld;
        memset(&ld, 0, sizeof ld);
        ld.rank = o.lora_rank; ld.alpha = o.lora_alpha; ld.seed = o.seed; ld.dropout = o.lora_dropout;
        if (!(ld.targets = lora_targets(o.lora_targets, c->arch))) {
            fprintf(stderr, "train: --lora-targets takes q,k,v,o,gate,up,down (GPT-2: qkv,o,up,down) or all\n");
            goto done;
        }
        if (llm_lora_create(model, &ld, &lora, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
        td.lora = lora;
    }
    in = (int32_t *)malloc((size_t)o.batch * o.seq * sizeof(int32_t));
    tg = (int32_t *)malloc((size_t)o.batch * o.seq * sizeof(int32_t));
    if (!in || !tg) { fprintf(stderr, "train: out of memory\n"); goto done; }
    if (o.seconds > 0 && !o.steps) {
        /* time two steps on a scratch trainer, then size the run (and its schedule) to fit */
        double t0, per;
        llm_step_result r;
        if (sft) llm_sft_batch(sft, 0, o.batch, o.seq, in, tg);
        else {
            memcpy(in, data, (size_t)o.batch * o.seq * sizeof(int32_t));
            memcpy(tg, data + 1, (size_t)o.batch * o.seq * sizeof(int32_t));
        }
        if (llm_trainer_create(model, &td, &tr, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
        llm_trainer_step(tr, in, tg, &r);
        t0 = llm_time_seconds();
        llm_trainer_step(tr, in, tg, &r);
        per = (llm_time_seconds() - t0) * o.accum;
        llm_trainer_free(tr); tr = NULL;
        llm_model_free(model);
        if (!(model = make_model(&o, tok))) goto done;   /* the same fresh start */
        c = llm_model_config(model);
        if (lora) {   /* (the adapter too) */
            llm_lora_desc ld;
            memset(&ld, 0, sizeof ld);
            ld.rank = o.lora_rank; ld.alpha = o.lora_alpha; ld.seed = o.seed; ld.targets = llm_lora_targets(lora);
            ld.dropout = o.lora_dropout;
            llm_lora_free(lora);
            lora = NULL;
            if (llm_lora_create(model, &ld, &lora, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
            td.lora = lora;
        }
        o.steps = (int)((o.seconds * 0.9 - (llm_time_seconds() - t_start)) / (per * 1.1));
        if (o.steps < 50) o.steps = 50;
        td.total_steps = o.steps;
        if (!o.sample_every) o.sample_every = o.steps / 4 > 0 ? o.steps / 4 : 1;
        printf("one step takes %.0f ms here: %d steps fit into about %.0f s\n", per * 1000, o.steps, o.seconds);
    }
    if (o.val_every < 0) o.val_every = o.sample_every;
    if (llm_trainer_create(model, &td, &tr, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
    if (o.resume) {
        if (llm_trainer_load(tr, o.resume, &data_pos) != LLM_OK) { fprintf(stderr, "train: %s\n", llm_trainer_last_error(tr)); goto done; }
        pos = (size_t)data_pos;
        if (pos >= n_train) pos = 0;
        printf("resumed %s at step %d\n", o.resume, llm_trainer_step_count(tr));
    }
    printf("model: %s, %d layers, %d heads (%d kv), dim %d, ffn %d, vocab %d, ctx %d, %.2fM parameters | %s, %d threads\n",
           c->arch == LLM_ARCH_GPT2 ? "gpt2" : c->arch == LLM_ARCH_LLAMA ? "llama" : c->arch == LLM_ARCH_QWEN2 ? "qwen2"
           : c->arch == LLM_ARCH_QWEN3 ? "qwen3" : "gemma3", c->n_layer, c->n_head, c->n_kv_head, c->dim, c->ffn_dim,
           c->vocab_size, c->max_seq_len, llm_model_num_params(model) / 1e6, llm_trainer_backend(tr),
           llm_threadpool_size(pool));
    printf("data: %lu training tokens, %lu validation tokens\n", (unsigned long)n_train, (unsigned long)(n_data - n_train));
    if (lora)
        printf("trainable: %lu parameters (LoRA rank %d, alpha %g, %d tensors) of %lu; the base is frozen\n",
               (unsigned long)llm_lora_num_params(lora), llm_lora_rank(lora), (double)llm_lora_alpha(lora),
               llm_lora_num_tensors(lora), (unsigned long)llm_model_num_params(model));
    else
        printf("trainable: all %lu parameters\n", (unsigned long)llm_model_num_params(model));
    if (sft) { printf("--- answers before training ---\n"); sft_answers(model, lora, pool, sft, o.sample_len); }
    fflush(stdout);
    first = llm_trainer_step_count(tr);
    for (step = first; step < o.steps; step++) {
        const size_t BT = (size_t)o.batch * o.seq;
        llm_step_result r;
        llm_status st = LLM_OK;
        double t0 = llm_time_seconds(), ms;
        int a;
        for (a = 0; a < o.accum && st == LLM_OK; a++) {
            if (sft) {   /* one example per row, padded; targets only on the responses */
                llm_sft_batch(sft, sft_pos, o.batch, o.seq, in, tg);
                sft_pos = (sft_pos + (size_t)o.batch) % sft->n_examples;
            } else {
                if (pos + BT + 1 > n_train) pos = 0;   /* wrap (llm.c's loader) */
                memcpy(in, data + pos, BT * sizeof(int32_t));
                memcpy(tg, data + pos + 1, BT * sizeof(int32_t));
                pos += BT;
            }
            st = llm_trainer_accumulate(tr, in, tg, NULL);
        }
        if (st == LLM_OK) st = llm_trainer_update(tr, &r);
        if (st != LLM_OK) {
            fprintf(stderr, "train: step %d: %s (%s)\n", step + 1, llm_trainer_last_error(tr), llm_status_string(st));
            goto done;
        }
        ms = (llm_time_seconds() - t0) * 1000.0;
        t_steps += ms;
        printf("step %d/%d | loss %.6f | lr %.4e | norm %.4f | %.1f ms | %.0f tok/s | eta %.0f s\n", step + 1, o.steps,
               r.loss, r.lr, r.grad_norm, ms, (double)BT * o.accum / (ms / 1000.0),
               t_steps / (step + 1 - first) * (o.steps - step - 1) / 1000.0);
        if (n_train < n_data && o.val_every > 0 && ((step + 1) % o.val_every == 0 || step + 1 == o.steps))
            printf("step %d/%d | val loss %.6f\n", step + 1, o.steps,
                   val_loss(tr, data + n_train, n_data - n_train, o.batch, o.seq, in, tg));
        fflush(stdout);
        if (o.save && o.save_every > 0 && (step + 1) % o.save_every == 0 && step + 1 < o.steps) {
            if (llm_trainer_save(tr, o.save, pos) != LLM_OK) { fprintf(stderr, "train: %s\n", llm_trainer_last_error(tr)); goto done; }
        }
        if (sft && o.sample_every > 0 && (step + 1) % o.sample_every == 0 && llm_trainer_sync(tr) == LLM_OK) {
            printf("--- answers after step %d ---\n", step + 1);
            sft_answers(model, lora, pool, sft, o.sample_len);
        } else if (o.sample_every > 0 && (step + 1) % o.sample_every == 0 && llm_trainer_sync(tr) == LLM_OK)
            sample(model, lora, pool, data + n_train < data + n_data ? data + n_train : data, 8, o.sample_len,
                   o.seed + step);
    }
    if (n_train < n_data && o.val_every == 0)
        printf("val loss %.6f\n", val_loss(tr, data + n_train, n_data - n_train, o.batch, o.seq, in, tg));
    if (sft && (o.sample_every <= 0 || o.steps % o.sample_every != 0) && llm_trainer_sync(tr) == LLM_OK) {
        printf("--- answers after training ---\n");
        sft_answers(model, lora, pool, sft, o.sample_len);
    }
    if (o.save_lora && lora) {
        if (llm_lora_save(lora, o.save_lora, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
        printf("saved %s (LoRA adapter: rank %d, alpha %g, %lu parameters)\n", o.save_lora, llm_lora_rank(lora),
               (double)llm_lora_alpha(lora), (unsigned long)llm_lora_num_params(lora));
    }
    if (o.save) {
        llm_status st = demo ? (llm_trainer_sync(tr), llm_model_save(model, o.save, &err)) : llm_trainer_save(tr, o.save, pos);
        if (st != LLM_OK) { fprintf(stderr, "train: %s\n", demo ? err.message : llm_trainer_last_error(tr)); goto done; }
        printf("saved %s (%s) after %.0f s\n", o.save, demo ? "model and tokenizer" : "checkpoint with the tokenizer and optimizer state",
               llm_time_seconds() - t_start);
        if (demo) printf("next: ./generate demo.gguf -i \"static \"\n");
    }
    rc = 0;
done:
    free(in); free(tg); free(data);
    llm_free(NULL, text);
    llm_tokenizer_free(tok);
    llm_trainer_free(tr);
    llm_lora_free(lora);
    llm_sft_free(sft);
    llm_model_free(model);
    llm_threadpool_free(pool);
    return rc;
}
