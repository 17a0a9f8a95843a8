/* examples/train.c - trains a GPT-2 or Llama model on the CPU with llm.h.

   Shows: creating a model from flags or loading one (native GGUF, karpathy/llm.c GPT-2,
   llama2.c), training a BPE tokenizer on the data (--vocab-size) or using one (--tokenizer),
   the trainer (AdamW, warmup + cosine, clipping, gradient accumulation), checkpoints that
   keep the tokenizer and resume bit-identically, and sampling from the model as it learns.

   Build:  cc -O3 -march=native -o train examples/train.c -lm -lpthread
   Run:    ./train                      (no arguments: a small model learns llm.h's own text)
           ./train --data input.txt --arch gpt2 --layers 4 --heads 4 --dim 128 --steps 500
           ./train --tokens shard.bin --init gpt2_124M.bin --batch 4 --seq 64
           ./train --resume run.gguf --data input.txt --steps 1000

   Batches are read in order: micro-batch i uses the B*T+1 tokens starting at i*B*T (wrapping
   to the start when the data runs out), inputs the first B*T, targets shifted by one. */
#define LLM_IMPLEMENTATION
#include "../llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct opts {
    const char *data, *tokens, *init, *resume, *save, *tokenizer;
    int vocab_size;
    int save_every;
    llm_config cfg;
    int batch, seq, steps, accum, warmup, threads, sample_every, sample_len;
    float lr, min_lr_frac, wd, clip;
    llm_schedule schedule;
    uint64_t seed;
} opts;

static void usage(void) {
    fprintf(stderr,
        "usage: train [options]\n"
        "  --data FILE | --tokens SHARD   text or an llm.c token shard\n"
        "  --vocab-size N | --tokenizer P  train a BPE tokenizer of N tokens on the text, or use one\n"
        "                                 (a GPT-2 dir, .model, tokenizer.bin or GGUF); default: the\n"
        "                                 checkpoint's own tokenizer, else bytes as tokens\n"
        "  --init CKPT | --resume CKPT    start from native / llm.c / llama2.c weights, or resume a native run\n"
        "  --save FILE [--save-every N]   native checkpoint (GGUF, with optimizer state)\n"
        "  --arch gpt2|llama --layers N --heads N --kv-heads N --dim N --ffn N --vocab N --ctx N\n"
        "  --batch B --seq T --steps N --accum N --lr X --warmup N --schedule cosine|constant\n"
        "  --min-lr-frac F --wd X --clip X --seed N --threads N --sample-every N --sample-len N\n");
}

static int parse(int argc, char **argv, opts *o) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define STR(name, field) if (strcmp(a, name) == 0) { if (!v) goto missing; o->field = v; i++; continue; }
#define INT(name, field) if (strcmp(a, name) == 0) { char *e; long x; if (!v) goto missing; x = strtol(v, &e, 10); \
        if (*e || x < 0 || x > 1000000000L) { fprintf(stderr, "train: bad value '%s' for %s\n", v, a); return 0; } o->field = (int)x; i++; continue; }
#define FLT(name, field) if (strcmp(a, name) == 0) { char *e; double x; if (!v) goto missing; x = strtod(v, &e); \
        if (*e || !(x >= 0) || x > 1e9) { fprintf(stderr, "train: bad value '%s' for %s\n", v, a); return 0; } o->field = (float)x; i++; continue; }
        STR("--data", data) STR("--tokens", tokens) STR("--init", init) STR("--resume", resume) STR("--save", save) STR("--tokenizer", tokenizer) INT("--vocab-size", vocab_size)
        INT("--save-every", save_every) INT("--layers", cfg.n_layer) INT("--heads", cfg.n_head) INT("--kv-heads", cfg.n_kv_head)
        INT("--dim", cfg.dim) INT("--ffn", cfg.ffn_dim) INT("--vocab", cfg.vocab_size) INT("--ctx", cfg.max_seq_len)
        INT("--batch", batch) INT("--seq", seq) INT("--steps", steps) INT("--accum", accum) INT("--warmup", warmup)
        INT("--threads", threads) INT("--sample-every", sample_every) INT("--sample-len", sample_len)
        FLT("--lr", lr) FLT("--min-lr-frac", min_lr_frac) FLT("--wd", wd) FLT("--clip", clip)
        if (strcmp(a, "--seed") == 0) { if (!v) goto missing; o->seed = strtoull(v, NULL, 10); i++; continue; }
        if (strcmp(a, "--arch") == 0) {
            if (!v) goto missing;
            if (strcmp(v, "gpt2") == 0) o->cfg.arch = LLM_ARCH_GPT2;
            else if (strcmp(v, "llama") == 0) o->cfg.arch = LLM_ARCH_LLAMA;
            else { fprintf(stderr, "train: unknown --arch '%s'\n", v); return 0; }
            i++; continue;
        }
        if (strcmp(a, "--schedule") == 0) {
            if (!v) goto missing;
            if (strcmp(v, "cosine") == 0) o->schedule = LLM_SCHEDULE_COSINE;
            else if (strcmp(v, "constant") == 0) o->schedule = LLM_SCHEDULE_CONSTANT;
            else { fprintf(stderr, "train: unknown --schedule '%s'\n", v); return 0; }
            i++; continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(); exit(0); }
        fprintf(stderr, "train: unknown option '%s'\n", a);
        usage();
        return 0;
    missing:
        fprintf(stderr, "train: %s needs a value\n", a);
        return 0;
    }
#undef STR
#undef INT
#undef FLT
    return 1;
}

/* Draws sample_len tokens from the model after a start token (temperature 1). */
static void sample(const llm_model *m, llm_threadpool *pool, llm_rng *rng, int32_t start, int len, int byte_vocab,
                   const llm_tokenizer *tok_) {
    llm_detok_state ds;
    char piece[1024];
    size_t np;
    const llm_config *c = llm_model_config(m);
    int T = len + 1 < c->max_seq_len ? len + 1 : c->max_seq_len, t, i;
    const llm_tokenizer *tkz = tok_;
    int32_t *tok = (int32_t *)malloc((size_t)T * sizeof(int32_t));
    float *logits = (float *)malloc((size_t)T * c->vocab_size * sizeof(float));
    tok[0] = start;
    llm_detok_init(&ds);
    printf("--- sample ---\n");
    for (t = 1; t < T; t++) {
        /* no KV cache here (that is the session API's job): the whole prefix each time */
        const float *lg;
        float mx = -1e30f, u, cum = 0;
        double sum = 0;
        if (llm_model_forward(m, pool, tok, 1, t, logits, NULL) != LLM_OK) break;
        lg = logits + (size_t)(t - 1) * c->vocab_size;
        for (i = 0; i < c->vocab_size; i++) if (lg[i] > mx) mx = lg[i];
        for (i = 0; i < c->vocab_size; i++) sum += exp(lg[i] - mx);
        u = llm_rng_float(rng) * (float)sum;
        for (i = 0; i < c->vocab_size - 1; i++) { cum += expf(lg[i] - mx); if (cum > u) break; }
        tok[t] = i;
        if (tkz) {
            if (llm_detok_push(tkz, &ds, i, piece, sizeof piece, &np) == LLM_OK) fwrite(piece, 1, np, stdout);
        } else if (byte_vocab) { unsigned char ch = (unsigned char)i; if (ch == '\n' || ch == '\t' || (ch >= 32 && ch != 127)) putchar(ch); else putchar('?'); }
        else printf("%d ", i);
    }
    if (tkz && llm_detok_flush(tkz, &ds, piece, sizeof piece, &np) == LLM_OK) fwrite(piece, 1, np, stdout);
    printf("\n--------------\n");
    fflush(stdout);
    free(tok); free(logits);
}

int main(int argc, char **argv) {
    opts o;
    llm_model *model = NULL;
    llm_trainer *tr = NULL;
    llm_threadpool *pool = NULL;
    llm_model_desc md;
    llm_trainer_desc td;
    llm_error err;
    int32_t *data = NULL, *in = NULL, *tg = NULL;
    llm_tokenizer *tok = NULL;      /* owned here until attached to the model */
    void *text = NULL;
    size_t text_len = 0;
    size_t n_data = 0, pos = 0;
    uint64_t data_pos = 0;
    int step, demo = argc == 1, rc = 1, byte_vocab = 0;
    const llm_config *c;
    memset(&o, 0, sizeof o);
    o.cfg.arch = LLM_ARCH_LLAMA;
    o.batch = 4; o.seq = 64; o.steps = 100; o.accum = 1; o.lr = 1e-3f; o.sample_len = 200; o.min_lr_frac = 0.1f;
    o.wd = 0.0f; o.clip = 1.0f; o.seed = 1337;
    if (demo) {  /* a small byte-level Llama learns this library's own source */
        o.data = "llm.h"; o.vocab_size = 512; o.cfg.n_layer = 4; o.cfg.n_head = 4; o.cfg.dim = 128; o.cfg.max_seq_len = 128;
        o.batch = 8; o.seq = 128; o.steps = 2000; o.lr = 2e-3f; o.warmup = 50; o.sample_every = 500; o.wd = 0.1f;
        printf("llm.h demo: training a 512-token BPE tokenizer and a small Llama (4 layers, dim 128) on llm.h itself.\n"
               "Try ./train --help for the options.\n");
    }
    if (!parse(argc, argv, &o)) return 2;
    if (!o.data && !o.tokens) { fprintf(stderr, "train: need --data FILE or --tokens SHARD\n"); usage(); return 2; }
    if (o.accum < 1) o.accum = 1;
    if (llm_threadpool_create(o.threads, NULL, &pool, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); return 1; }

    /* data: an llm.c shard, or the bytes of a text file */
    if (o.tokens) {
        if (llm_load_token_shard(o.tokens, NULL, &data, &n_data, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
    } else if (llm_read_file(o.data, NULL, &text, &text_len, &err) != LLM_OK) {
        fprintf(stderr, "train: %s\n", err.message); goto done;
    }
    /* the tokenizer: --tokenizer, or trained here (--vocab-size), or the checkpoint's own */
    if (o.tokenizer) {
        llm_tokenizer_desc tdsc; memset(&tdsc, 0, sizeof tdsc); tdsc.path = o.tokenizer;
        if (llm_tokenizer_load(&tdsc, &tok, &err) != LLM_OK) { fprintf(stderr, "train: %s: %s\n", o.tokenizer, err.message); goto done; }
    } else if (o.vocab_size && text) {
        llm_bpe_train_desc bd; double t0 = llm_time_seconds();
        memset(&bd, 0, sizeof bd); bd.text = text; bd.size = text_len; bd.vocab_size = o.vocab_size;
        if (llm_tokenizer_train(&bd, &tok, &err) != LLM_OK) { fprintf(stderr, "train: tokenizer: %s\n", err.message); goto done; }
        printf("trained a BPE tokenizer: %d tokens in %.2f s\n", llm_tokenizer_vocab_size(tok), llm_time_seconds() - t0);
    }

    /* model: new from flags, or loaded */
    memset(&md, 0, sizeof md);
    md.seed = o.seed;
    if (o.init || o.resume) {
        md.path = o.init ? o.init : o.resume;
        if (llm_model_load(&md, &model, &err) != LLM_OK) { fprintf(stderr, "train: %s: %s\n", md.path, err.message); goto done; }
    } else {
        md.config = o.cfg;
        if (!md.config.n_layer) md.config.n_layer = 4;
        if (!md.config.n_head) md.config.n_head = 4;
        if (!md.config.dim) md.config.dim = 128;
        if (!md.config.vocab_size) md.config.vocab_size = tok ? llm_tokenizer_vocab_size(tok) : 256;
        if (!md.config.max_seq_len) md.config.max_seq_len = o.seq;
        if (llm_model_create(&md, &model, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
    }
    if (tok) { llm_model_set_tokenizer(model, tok); tok = NULL; }   /* saved with the checkpoints */
    c = llm_model_config(model);
    if (text) {   /* encode the text with the model's tokenizer, or take its bytes */
        const llm_tokenizer *mt = llm_model_tokenizer(model);
        size_t i;
        if (mt) {
            double t0 = llm_time_seconds();
            llm_tokenize(mt, (const char *)text, text_len, 0, NULL, 0, &n_data);
            data = (int32_t *)malloc((n_data ? n_data : 1) * sizeof(int32_t));
            if (llm_tokenize(mt, (const char *)text, text_len, 0, data, n_data, &n_data) != LLM_OK) { fprintf(stderr, "train: cannot tokenize the data\n"); goto done; }
            printf("data: %lu bytes -> %lu tokens (%.2f bytes/token) in %.2f s\n", (unsigned long)text_len, (unsigned long)n_data,
                   (double)text_len / (double)(n_data ? n_data : 1), llm_time_seconds() - t0);
        } else {
            data = (int32_t *)malloc((text_len ? text_len : 1) * sizeof(int32_t));
            for (i = 0; i < text_len; i++) data[i] = ((unsigned char *)text)[i];
            n_data = text_len;
            byte_vocab = 1;
        }
    }
    if (n_data < (size_t)o.batch * o.seq + 1) { fprintf(stderr, "train: the data holds %lu tokens, a batch needs %d\n", (unsigned long)n_data, o.batch * o.seq + 1); goto done; }
    {
        size_t i;
        for (i = 0; i < n_data; i++)
            if (data[i] >= c->vocab_size) { fprintf(stderr, "train: token %d at %lu is outside the model's vocabulary (%d)\n", data[i], (unsigned long)i, c->vocab_size); goto done; }
    }
    memset(&td, 0, sizeof td);
    td.batch = o.batch; td.seq_len = o.seq; td.lr = o.lr; td.weight_decay = o.wd; td.grad_clip = o.clip;
    td.warmup_steps = o.warmup; td.total_steps = o.steps; td.schedule = o.schedule; td.min_lr_frac = o.min_lr_frac;
    td.seed = o.seed; td.pool = pool;
    if (llm_trainer_create(model, &td, &tr, &err) != LLM_OK) { fprintf(stderr, "train: %s\n", err.message); goto done; }
    if (o.resume) {
        if (llm_trainer_load_state(tr, o.resume, &data_pos) != LLM_OK) { fprintf(stderr, "train: %s\n", llm_trainer_last_error(tr)); goto done; }
        pos = (size_t)data_pos;
        if (pos >= n_data) pos = 0;
        printf("resumed %s at step %d\n", o.resume, llm_trainer_step_count(tr));
    }
    printf("model: %s, %d layers, %d heads (%d kv), dim %d, ffn %d, vocab %d, ctx %d, %.2fM parameters | %d threads\n",
           c->arch == LLM_ARCH_GPT2 ? "gpt2" : "llama", c->n_layer, c->n_head, c->n_kv_head, c->dim, c->ffn_dim,
           c->vocab_size, c->max_seq_len, llm_model_num_params(model) / 1e6, llm_threadpool_size(pool));
    fflush(stdout);
    in = (int32_t *)malloc((size_t)o.batch * o.seq * sizeof(int32_t));
    tg = (int32_t *)malloc((size_t)o.batch * o.seq * sizeof(int32_t));
    for (step = llm_trainer_step_count(tr); step < o.steps; step++) {
        const size_t BT = (size_t)o.batch * o.seq;
        llm_step_result r;
        llm_status st = LLM_OK;
        double t0 = llm_time_seconds(), ms;
        int a;
        for (a = 0; a < o.accum && st == LLM_OK; a++) {
            if (pos + BT + 1 > n_data) pos = 0;   /* wrap (llm.c's loader) */
            memcpy(in, data + pos, BT * sizeof(int32_t));
            memcpy(tg, data + pos + 1, BT * sizeof(int32_t));
            pos += BT;
            st = llm_trainer_accumulate(tr, in, tg, NULL);
        }
        if (st == LLM_OK) st = llm_trainer_update(tr, &r);
        if (st != LLM_OK) { fprintf(stderr, "train: step %d: %s (%s)\n", step + 1, llm_trainer_last_error(tr), llm_status_string(st)); goto done; }
        ms = (llm_time_seconds() - t0) * 1000.0;
        printf("step %d/%d | loss %.6f | lr %.4e | norm %.4f | %.1f ms | %.0f tok/s\n", step + 1, o.steps, r.loss, r.lr,
               r.grad_norm, ms, (double)BT * o.accum / (ms / 1000.0));
        fflush(stdout);
        if (o.save && o.save_every > 0 && (step + 1) % o.save_every == 0 && step + 1 < o.steps) {
            if (llm_trainer_save(tr, o.save, pos) != LLM_OK) { fprintf(stderr, "train: %s\n", llm_trainer_last_error(tr)); goto done; }
        }
        if (o.sample_every > 0 && (step + 1) % o.sample_every == 0)
            sample(model, pool, llm_trainer_rng(tr), data[0], o.sample_len, byte_vocab, llm_model_tokenizer(model));
    }
    if (o.save) {
        if (llm_trainer_save(tr, o.save, pos) != LLM_OK) { fprintf(stderr, "train: %s\n", llm_trainer_last_error(tr)); goto done; }
        printf("saved %s\n", o.save);
    }
    rc = 0;
done:
    free(in); free(tg);
    if (o.tokens) llm_free(NULL, data); else free(data);
    llm_free(NULL, text);
    llm_tokenizer_free(tok);
    llm_trainer_free(tr);
    llm_model_free(model);
    llm_threadpool_free(pool);
    return rc;
}
