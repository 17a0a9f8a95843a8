/* llm.h - v0.1.0 - train and run GPT-style language models in one C header.

   Do this:
       #define LLM_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the implementation.

       #include ...
       #define LLM_IMPLEMENTATION
       #include "llm.h"

   and build with one command:
       cc -O3 -march=native prog.c -lm -lpthread

   WHAT IT IS
       A tokenizer-to-sampler GPT toolkit: two model families (GPT-2 and Llama) with forward
       *and* backward passes, AdamW training, checkpoints (GGUF as the native format) and
       importers for karpathy/llm.c and karpathy/llama2.c files. Everything is plain C99
       that also compiles as C++11; the only dependencies are libc, libm and pthreads.

   OPTIONS (#define before including the implementation)
       LLM_STATIC          all public functions get `static` linkage
       LLM_ASSERT(x)       your assert (default: assert from <assert.h>); only checks
                           internal invariants, never input
       LLM_MALLOC(sz)      compile-time allocator (define both or neither);
       LLM_FREE(p)         run-time allocators go in the desc structs (llm_allocator)
       LLM_NO_THREADS      build without pthreads (everything runs on the calling thread)
       LLM_NO_SIMD         use the portable scalar GEMM micro-kernel only

   STEP BY STEP: TRAINING
       1. Describe or load a model:
              llm_model_desc md = {0};
              md.config.arch = LLM_ARCH_GPT2; md.config.n_layer = 4; ... md.seed = 1;
              llm_model *model; llm_error err;
              if (llm_model_create(&md, &model, &err) != LLM_OK) puts(err.message);
          or  md.path = "gpt2_124M.bin";  llm_model_load(&md, &model, &err);
       2. Make a trainer for a batch shape (it owns grads, AdamW state, activations):
              llm_trainer_desc td = {0}; td.batch = 4; td.seq_len = 64; td.lr = 3e-4f;
              llm_trainer *tr; llm_trainer_create(model, &td, &tr, &err);
       3. Feed (B, T+1) tokens per micro-batch and step:
              llm_step_result res;
              llm_trainer_step(tr, tokens, &res);      // forward, backward, AdamW
          or, with gradient accumulation:
              llm_trainer_accumulate(tr, tokens, &loss); ... llm_trainer_update(tr, &res);
       4. Save: llm_trainer_save(tr, "ckpt.gguf") keeps optimizer state so a run resumes
          bit-identically with llm_trainer_load_state().
       5. llm_trainer_free(tr); llm_model_free(model);

   STEP BY STEP: INFERENCE (forward only)
       llm_model_forward(model, pool, tokens, B, T, logits) fills logits[B*T*V].

   THREADS
       llm_threadpool_create(n) makes a pool of persistent pthreads; pass it in the descs
       (NULL = run on the calling thread). A model is read-only after it is created or
       loaded and may be shared by any number of threads. A trainer is used by one thread
       at a time. Results are bit-identical for a given thread count; the kernels split
       work over output elements, so most results are identical across thread counts too.

   MEMORY
       Every allocation goes through the llm_allocator in the desc (or LLM_MALLOC/LLM_FREE).
       A model is one parameter buffer plus a tensor table; a trainer adds gradients, AdamW
       m and v (3x the parameters) and activations for its (B, T). Attention memory is O(T)
       per head: attention runs in tiles with an online softmax (FlashAttention).

   ERRORS
       Every fallible call returns llm_status (LLM_OK = 0, errors negative);
       llm_status_string() names it. Create/load calls fill an optional llm_error with a
       message (file offsets, expected vs found). Objects keep their last error:
       llm_trainer_last_error(). The library never prints, exits or aborts; install a log
       callback (log_fn in the descs) to hear from it.

   WHAT llm.h DOES NOT DO
       No quantisation, no mixed precision on the CPU (fp32 everywhere), no multi-node
       training, no regex library, no network access.

   LICENSE: see the end of the file (MIT or public domain, your choice).
*/
#ifndef LLM_H_INCLUDED
#define LLM_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define LLM_VERSION_MAJOR 0
#define LLM_VERSION_MINOR 1
#define LLM_VERSION_PATCH 0

#ifdef LLM_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define LLMDEF static __attribute__((unused))
#else
#define LLMDEF static
#endif
#else
#define LLMDEF extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>status ------------------------------------------------------------------------------ */
typedef enum llm_status {
    LLM_OK = 0,
    LLM_ERR_INVALID_ARG = -1,     /* a bad argument or configuration */
    LLM_ERR_OUT_OF_MEMORY = -2,   /* an allocation failed */
    LLM_ERR_IO = -3,              /* open/read/write failed */
    LLM_ERR_FORMAT = -4,          /* a file is truncated, corrupted or has the wrong magic */
    LLM_ERR_UNSUPPORTED = -5,     /* a valid file or request this build cannot handle */
    LLM_ERR_CANCELLED = -6,       /* a progress callback asked to stop */
    LLM_ERR_NON_FINITE = -7,      /* a NaN/Inf loss or gradient; weights left untouched */
    LLM_ERR_CONTEXT_FULL = -8,    /* a sequence longer than the model/session allows */
    LLM_ERR_BUFFER_TOO_SMALL = -9,/* the caller's buffer is too small; needed size reported */
    LLM_ERR_THREAD = -10,         /* a thread could not be created */
    LLM_ERR_OUT_OF_RANGE = -11    /* a token id or position outside its range */
} llm_status;

LLMDEF const char *llm_status_string(llm_status s);

/* Detail for create/load calls (optional: pass NULL). */
typedef struct llm_error {
    llm_status status;
    char message[256];
} llm_error;

/* >>alloc ------------------------------------------------------------------------------- */
/* Run-time allocator hooks. All zero = LLM_MALLOC/LLM_FREE (default malloc/free).
   alloc_fn must return memory aligned to at least 16 bytes; llm.h aligns further itself. */
typedef struct llm_allocator {
    void *(*alloc_fn)(size_t size, void *user_data);
    void (*free_fn)(void *ptr, void *user_data);
    void *user_data;
} llm_allocator;

/* Log callback: silent unless set. level: 0 error, 1 warning, 2 info, 3 debug. */
typedef void (*llm_log_fn)(int level, const char *message, void *user_data);

/* Progress / cancel callback for long calls. Return non-zero to cancel (LLM_ERR_CANCELLED). */
typedef int (*llm_progress_fn)(float fraction, void *user_data);

/* >>threads ----------------------------------------------------------------------------- */
typedef struct llm_threadpool llm_threadpool;
/* n_threads counts the calling thread: n_threads = 2 starts one worker. n <= 0: number of
   online CPUs. */
LLMDEF llm_status llm_threadpool_create(int n_threads, const llm_allocator *allocator,
                                        llm_threadpool **out, llm_error *err);
LLMDEF void llm_threadpool_free(llm_threadpool *pool);
LLMDEF int llm_threadpool_size(const llm_threadpool *pool); /* 1 for NULL */

/* >>timer ------------------------------------------------------------------------------- */
LLMDEF double llm_time_seconds(void); /* monotonic clock */

/* >>rng --------------------------------------------------------------------------------- */
/* A small, seedable generator (PCG32-style) kept inside objects; never global. */
typedef struct llm_rng { uint64_t state, inc; } llm_rng;
LLMDEF void llm_rng_seed(llm_rng *rng, uint64_t seed);
LLMDEF uint32_t llm_rng_u32(llm_rng *rng);
LLMDEF float llm_rng_float(llm_rng *rng);   /* uniform in [0, 1) */
LLMDEF float llm_rng_normal(llm_rng *rng);  /* standard normal (Box-Muller) */

/* @@TOKENIZER_API@@ */

/* >>model ------------------------------------------------------------------------------- */
typedef enum llm_arch {
    LLM_ARCH_GPT2 = 0,   /* LayerNorm, GELU(tanh), learned positions, biases, tied head */
    LLM_ARCH_LLAMA = 1   /* RMSNorm, SwiGLU, RoPE, grouped-query attention, no biases */
} llm_arch;

/* Model hyper-parameters. Zero fields take the defaults in the table.
   field              default
   arch               LLM_ARCH_GPT2
   n_layer, n_head    required (> 0)
   n_kv_head          n_head (must divide n_head; GPT-2 requires n_kv_head == n_head)
   dim                required; a multiple of n_head
   ffn_dim            4*dim (GPT-2), or 4*dim*2/3 rounded up to 32 (Llama)
   vocab_size         required
   padded_vocab_size  vocab_size (llm.c pads 50257 to 50304; padded rows are never used)
   max_seq_len        required
   norm_eps           1e-5
   rope_theta         10000 (Llama)
   untied_head        0: the classifier shares token_embd (Llama may set 1; GPT-2 is tied) */
typedef struct llm_config {
    llm_arch arch;
    int n_layer;
    int n_head;
    int n_kv_head;
    int dim;
    int ffn_dim;
    int vocab_size;
    int padded_vocab_size;
    int max_seq_len;
    float norm_eps;
    float rope_theta;
    int untied_head;
} llm_config;

/* One entry of the tensor table: every parameter lives at params + offset. */
typedef struct llm_tensor_info {
    char name[48];        /* GGUF / llama.cpp name, e.g. "blk.3.attn_q.weight" */
    int n_dims;           /* 1 or 2 */
    int64_t shape[2];     /* row-major: shape[0] rows of shape[1] floats (PyTorch order) */
    size_t offset;        /* in floats, into the parameter buffer */
    size_t size;          /* number of floats */
    int decay;            /* 1 when AdamW applies weight decay (2-D tensors) */
} llm_tensor_info;

/* Model creation/loading.
   field        default / meaning
   config       the shape of a new model (llm_model_create)
   seed         init seed for a new model (0 is a valid seed)
   path         file to load (llm_model_load): native GGUF, llm.c GPT-2 or llama2.c
   data, size   the same from memory (used when path is NULL); the bytes are copied
   allocator    malloc/free
   log_fn       silent */
typedef struct llm_model_desc {
    llm_config config;
    uint64_t seed;
    const char *path;
    const void *data;
    size_t size;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
} llm_model_desc;

typedef struct llm_model llm_model;

LLMDEF llm_status llm_model_create(const llm_model_desc *desc, llm_model **out, llm_error *err);
LLMDEF llm_status llm_model_load(const llm_model_desc *desc, llm_model **out, llm_error *err);
LLMDEF void llm_model_free(llm_model *model);
LLMDEF const llm_config *llm_model_config(const llm_model *model);
LLMDEF size_t llm_model_num_params(const llm_model *model);  /* floats, padded rows included */
LLMDEF int llm_model_num_tensors(const llm_model *model);
LLMDEF const llm_tensor_info *llm_model_tensor(const llm_model *model, int i);
LLMDEF float *llm_model_params(llm_model *model);            /* the parameter buffer */
LLMDEF const float *llm_model_params_const(const llm_model *model);
/* Fills a config with defaults and validates it (n_head divides dim, ...). */
LLMDEF llm_status llm_config_resolve(llm_config *config, llm_error *err);
/* Full forward pass without a trainer: logits[B*T*vocab_size] (real vocab only) for
   tokens[B*T]. Allocates its own activations; uses pool when given. */
LLMDEF llm_status llm_model_forward(const llm_model *model, llm_threadpool *pool,
                                    const int32_t *tokens, int B, int T, float *logits,
                                    llm_error *err);
/* Saves the model (config + weights, and the tokenizer when one is attached) as GGUF. */
LLMDEF llm_status llm_model_save(const llm_model *model, const char *path, llm_error *err);

/* >>training ---------------------------------------------------------------------------- */
typedef enum llm_schedule { LLM_SCHEDULE_COSINE = 0, LLM_SCHEDULE_CONSTANT = 1 } llm_schedule;

/* field          default   meaning
   batch, seq_len required  B and T of every micro-batch (T <= max_seq_len)
   lr             3e-4      peak learning rate
   beta1, beta2   0.9/0.95  AdamW betas
   eps            1e-8      AdamW epsilon
   weight_decay   0 (off)   decoupled decay on 2-D tensors: p -= lr*wd*p
   grad_clip      0 (off)   global-norm clipping threshold
   warmup_steps   0         linear warmup from lr/warmup to lr
   total_steps    0         steps of the cosine schedule (0 = constant lr after warmup)
   schedule       cosine    LLM_SCHEDULE_COSINE or LLM_SCHEDULE_CONSTANT
   min_lr_frac    0         cosine decays to min_lr_frac * lr
   accum_steps    1         informational: micro-batches per update (losses are averaged)
   seed           0         the trainer's RNG (kept in checkpoints)
   pool           NULL      thread pool (NULL = calling thread)
   allocator, log_fn        as in llm_model_desc (zero = the model's) */
typedef struct llm_trainer_desc {
    int batch;
    int seq_len;
    float lr;
    float beta1, beta2, eps;
    float weight_decay;
    float grad_clip;
    int warmup_steps;
    int total_steps;
    llm_schedule schedule;
    float min_lr_frac;
    int accum_steps;
    uint64_t seed;
    llm_threadpool *pool;
    llm_allocator allocator;
    llm_log_fn log_fn;
    void *log_user_data;
} llm_trainer_desc;

typedef struct llm_step_result {
    float loss;       /* mean cross-entropy of the step (before the update) */
    float grad_norm;  /* global gradient norm before clipping */
    float lr;         /* learning rate used by the update */
    int step;         /* optimizer steps done after this one */
} llm_step_result;

typedef struct llm_trainer llm_trainer;

/* The trainer updates the model's parameters in place; the model must not be used by
   other threads while a trainer steps it. */
LLMDEF llm_status llm_trainer_create(llm_model *model, const llm_trainer_desc *desc,
                                     llm_trainer **out, llm_error *err);
LLMDEF void llm_trainer_free(llm_trainer *tr);
/* tokens: B rows of T+1 ids (inputs are the first T, targets the last T of each row), laid
   out as B*T+1 consecutive ids when row_stride is T (llm.c's loader): see below. */
/* Forward + backward of one micro-batch; adds to the gradients. inputs/targets: B*T ids.
   *loss gets the micro-batch mean loss. */
LLMDEF llm_status llm_trainer_accumulate(llm_trainer *tr, const int32_t *inputs,
                                         const int32_t *targets, float *loss);
/* AdamW update from the accumulated gradients (averaged over the micro-batches), then
   zeroes them. Non-finite gradients: LLM_ERR_NON_FINITE, nothing changes. */
LLMDEF llm_status llm_trainer_update(llm_trainer *tr, llm_step_result *res);
/* accumulate + update */
LLMDEF llm_status llm_trainer_step(llm_trainer *tr, const int32_t *inputs,
                                   const int32_t *targets, llm_step_result *res);
/* Forward only (no gradients): mean loss of the batch. */
LLMDEF llm_status llm_trainer_eval(llm_trainer *tr, const int32_t *inputs,
                                   const int32_t *targets, float *loss);
LLMDEF float llm_trainer_lr(const llm_trainer *tr, int step); /* the schedule at a step */
LLMDEF int llm_trainer_step_count(const llm_trainer *tr);
LLMDEF const float *llm_trainer_grads(const llm_trainer *tr); /* same layout as params */
LLMDEF const float *llm_trainer_logits(const llm_trainer *tr);/* (B*T, padded_vocab) of the
                                                                  last forward */
LLMDEF llm_rng *llm_trainer_rng(llm_trainer *tr);
LLMDEF const char *llm_trainer_last_error(const llm_trainer *tr);
/* Checkpoint with optimizer state (m, v), step, RNG and a caller data position. */
LLMDEF llm_status llm_trainer_save(llm_trainer *tr, const char *path, uint64_t data_pos);
/* Restores optimizer state, step and RNG from a checkpoint written by llm_trainer_save.
   The model itself must have been loaded from the same file. */
LLMDEF llm_status llm_trainer_load_state(llm_trainer *tr, const char *path,
                                         uint64_t *data_pos);

/* >>data -------------------------------------------------------------------------------- */
/* llm.c token shard (header of 256 int32: magic 20240520, version 1, count; then uint16 ids). */
LLMDEF llm_status llm_load_token_shard(const char *path, const llm_allocator *allocator,
                                       int32_t **tokens, size_t *count, llm_error *err);
LLMDEF llm_status llm_parse_token_shard(const void *data, size_t size,
                                        const llm_allocator *allocator,
                                        int32_t **tokens, size_t *count, llm_error *err);
LLMDEF void llm_free(const llm_allocator *allocator, void *ptr); /* frees what llm.h returned */

/* >>files ------------------------------------------------------------------------------- */
/* Reads a whole file into memory (allocator's memory; free with llm_free). */
LLMDEF llm_status llm_read_file(const char *path, const llm_allocator *allocator,
                                void **data, size_t *size, llm_error *err);

/* @@INFERENCE_API@@ */

#ifdef __cplusplus
}
#endif
#endif /* LLM_H_INCLUDED */

/* =========================================================================================
   IMPLEMENTATION
   ========================================================================================= */
#ifdef LLM_IMPLEMENTATION
#ifndef LLM_IMPLEMENTATION_DONE
#define LLM_IMPLEMENTATION_DONE

#if !defined(_POSIX_C_SOURCE) && !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, pthreads (when llm.h is included first) */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <math.h>
#include <float.h>
#include <time.h>
#ifndef LLM_NO_THREADS
#include <pthread.h>
#include <unistd.h>
#endif

#ifndef LLM_ASSERT
#include <assert.h>
#define LLM_ASSERT(x) assert(x)
#endif
#if defined(LLM_MALLOC) != defined(LLM_FREE)
#error "llm.h: define both LLM_MALLOC and LLM_FREE, or neither"
#endif
#ifndef LLM_MALLOC
#define LLM_MALLOC(sz) malloc(sz)
#define LLM_FREE(p) free(p)
#endif

/* compile-time checks of the sizes the file formats rely on */
typedef char llm__check_float[(sizeof(float) == 4) ? 1 : -1];
typedef char llm__check_int32[(sizeof(int32_t) == 4) ? 1 : -1];
typedef char llm__check_size[(sizeof(size_t) >= 4) ? 1 : -1];

#if defined(__GNUC__) || defined(__clang__)
#define LLM__MAYBE_UNUSED __attribute__((unused))
#else
#define LLM__MAYBE_UNUSED
#endif
#define LLM__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LLM__MAX(a, b) ((a) > (b) ? (a) : (b))
#define LLM__UNUSED(x) ((void)(x))
#if defined(__GNUC__) || defined(__clang__)
#define LLM__RESTRICT __restrict__
#define LLM__INLINE static inline __attribute__((always_inline))
#else
#define LLM__RESTRICT
#define LLM__INLINE static inline
#endif

/* =========================================================================================
   >>platform: status strings, errors, allocation, files, threads, rng, timer
   ========================================================================================= */

LLMDEF const char *llm_status_string(llm_status s) {
    switch (s) {
    case LLM_OK: return "ok";
    case LLM_ERR_INVALID_ARG: return "invalid argument";
    case LLM_ERR_OUT_OF_MEMORY: return "out of memory";
    case LLM_ERR_IO: return "i/o error";
    case LLM_ERR_FORMAT: return "bad file format";
    case LLM_ERR_UNSUPPORTED: return "unsupported";
    case LLM_ERR_CANCELLED: return "cancelled";
    case LLM_ERR_NON_FINITE: return "non-finite value";
    case LLM_ERR_CONTEXT_FULL: return "context full";
    case LLM_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case LLM_ERR_THREAD: return "thread error";
    case LLM_ERR_OUT_OF_RANGE: return "out of range";
    }
    return "unknown status";
}

/* Formats a message into buf (may be NULL) and returns status, so callers can write
   `return llm__fail(err, LLM_ERR_FORMAT, "...")`. */
static llm_status llm__vfail(char *buf, size_t cap, llm_status status, const char *fmt,
                             va_list ap) {
    if (buf && cap) {
        vsnprintf(buf, cap, fmt, ap);
    }
    return status;
}
static llm_status llm__fail(llm_error *err, llm_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err) {
        err->status = status;
        llm__vfail(err->message, sizeof err->message, status, fmt, ap);
    }
    va_end(ap);
    return status;
}
static void llm__ok(llm_error *err) {
    if (err) { err->status = LLM_OK; err->message[0] = 0; }
}

static void llm__log(llm_log_fn fn, void *user, int level, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    if (!fn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(level, msg, user);
}

/* >>alloc: every allocation goes through here. Blocks are 64-byte aligned (cache line,
   one AVX-512 vector) by over-allocating and storing the original pointer just before. */
static void *llm__alloc(const llm_allocator *a, size_t size) {
    unsigned char *raw, *p;
    size_t total;
    if (size > SIZE_MAX - 64 - sizeof(void *)) return NULL;
    total = size + 64 + sizeof(void *);
    if (a && a->alloc_fn) raw = (unsigned char *)a->alloc_fn(total, a->user_data);
    else raw = (unsigned char *)LLM_MALLOC(total);
    if (!raw) return NULL;
    p = raw + sizeof(void *);
    p += (64 - ((uintptr_t)p & 63)) & 63;
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    return p;
}
static void *llm__calloc(const llm_allocator *a, size_t count, size_t elem) {
    void *p;
    if (elem && count > SIZE_MAX / elem) return NULL;
    p = llm__alloc(a, count * elem);
    if (p) memset(p, 0, count * elem);
    return p;
}
static void llm__dealloc(const llm_allocator *a, void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof(void *));
    if (a && a->free_fn) a->free_fn(raw, a->user_data);
    else LLM_FREE(raw);
}
LLMDEF void llm_free(const llm_allocator *allocator, void *ptr) { llm__dealloc(allocator, ptr); }

/* >>files: a byte source that is either a FILE or a memory buffer; every read is checked
   against the source size so loaders never trust a count from the file. */
typedef struct llm__src {
    const unsigned char *mem;
    FILE *f;
    uint64_t size;
} llm__src;

static llm_status llm__src_open(llm__src *s, const char *path, const void *data, size_t size,
                                llm_error *err) {
    memset(s, 0, sizeof *s);
    if (path) {
        long len;
        s->f = fopen(path, "rb");
        if (!s->f) return llm__fail(err, LLM_ERR_IO, "cannot open '%s'", path);
        if (fseek(s->f, 0, SEEK_END) != 0 || (len = ftell(s->f)) < 0) {
            fclose(s->f); s->f = NULL;
            return llm__fail(err, LLM_ERR_IO, "cannot seek in '%s'", path);
        }
        s->size = (uint64_t)len;
        return LLM_OK;
    }
    if (!data && size) return llm__fail(err, LLM_ERR_INVALID_ARG, "no path and no data");
    s->mem = (const unsigned char *)data;
    s->size = size;
    return LLM_OK;
}
static void llm__src_close(llm__src *s) {
    if (s->f) fclose(s->f);
    s->f = NULL;
}
/* Reads n bytes at offset off; fails (LLM_ERR_FORMAT) when they lie beyond the end. */
static llm_status llm__src_read(llm__src *s, uint64_t off, void *dst, size_t n, llm_error *err) {
    if (off > s->size || n > s->size - off)
        return llm__fail(err, LLM_ERR_FORMAT,
                         "file truncated: need %llu bytes at offset %llu, size is %llu",
                         (unsigned long long)n, (unsigned long long)off,
                         (unsigned long long)s->size);
    if (n == 0) return LLM_OK;
    if (s->mem) { memcpy(dst, s->mem + off, n); return LLM_OK; }
    if (fseek(s->f, (long)off, SEEK_SET) != 0 || fread(dst, 1, n, s->f) != n)
        return llm__fail(err, LLM_ERR_IO, "read error at offset %llu", (unsigned long long)off);
    return LLM_OK;
}

LLMDEF llm_status llm_read_file(const char *path, const llm_allocator *allocator, void **data,
                                size_t *size, llm_error *err) {
    llm__src s;
    llm_status st;
    void *buf;
    *data = NULL; *size = 0;
    if ((st = llm__src_open(&s, path, NULL, 0, err)) != LLM_OK) return st;
    if (s.size > (uint64_t)(SIZE_MAX / 2)) { llm__src_close(&s);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "file too large"); }
    buf = llm__alloc(allocator, (size_t)s.size + 1);
    if (!buf) { llm__src_close(&s); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", path); }
    st = llm__src_read(&s, 0, buf, (size_t)s.size, err);
    llm__src_close(&s);
    if (st != LLM_OK) { llm__dealloc(allocator, buf); return st; }
    ((char *)buf)[s.size] = 0; /* convenient for text */
    *data = buf; *size = (size_t)s.size;
    llm__ok(err);
    return LLM_OK;
}

/* Little-endian integer helpers for file formats (the host may be either endian). */
static uint32_t llm__rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t llm__rd_u64(const unsigned char *p) {
    return (uint64_t)llm__rd_u32(p) | ((uint64_t)llm__rd_u32(p + 4) << 32);
}
static int llm__host_is_le(void) { const uint16_t one = 1; return *(const unsigned char *)&one == 1; }
/* Reads n little-endian float32 values into dst. */
static llm_status llm__src_read_f32(llm__src *s, uint64_t off, float *dst, size_t n, llm_error *err) {
    llm_status st;
    if (n > SIZE_MAX / 4) return llm__fail(err, LLM_ERR_FORMAT, "tensor too large");
    st = llm__src_read(s, off, dst, n * 4, err);
    if (st == LLM_OK && !llm__host_is_le()) {
        size_t i; for (i = 0; i < n; i++) { uint32_t u; memcpy(&u, dst + i, 4);
            u = llm__rd_u32((const unsigned char *)&u); memcpy(dst + i, &u, 4); }
    }
    return st;
}

/* >>threads: a pool of persistent workers. llm__parallel(pool, fn, ctx) runs fn(ctx, ith,
   nth) on every thread (the caller is thread 0) and returns when all are done. Workers spin
   for a short while waiting for the next job (low latency in decode loops), then sleep on a
   condition variable (no CPU burnt while idle). Work is always split statically by ith, so
   results do not depend on timing. */
typedef void (*llm__task_fn)(void *ctx, int ith, int nth);

#if !defined(LLM_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
#define LLM__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LLM__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LLM__ATOMIC_DEC(p) __atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL)
#if defined(__x86_64__) || defined(__i386__)
#define LLM__PAUSE() __builtin_ia32_pause()
#else
#define LLM__PAUSE() ((void)0)
#endif
#define LLM__SPIN 20000
#elif !defined(LLM_NO_THREADS)
#define LLM__ATOMIC_LOAD(p) (*(volatile int *)(p))
#define LLM__ATOMIC_STORE(p, v) (*(volatile int *)(p) = (v))
#define LLM__PAUSE() ((void)0)
#define LLM__SPIN 0
#endif

struct llm_threadpool {
    int n;                      /* threads including the caller */
    llm_allocator alloc;
#ifndef LLM_NO_THREADS
    pthread_t *threads;
    int started;                /* workers successfully started */
    pthread_mutex_t mu;         /* guards the condition variables */
    pthread_cond_t cv_work, cv_done;
    pthread_mutex_t dispatch;   /* one job at a time when several callers share the pool */
    int generation;             /* bumped for every job (atomic) */
    int pending;                /* workers still running the job (atomic) */
    int stop;
    llm__task_fn fn;
    void *ctx;
#endif
};

#ifndef LLM_NO_THREADS
typedef struct llm__worker_arg { llm_threadpool *pool; int ith; } llm__worker_arg;

static int llm__pending_dec(llm_threadpool *p) {
#if defined(__GNUC__) || defined(__clang__)
    return LLM__ATOMIC_DEC(&p->pending);
#else
    int left; pthread_mutex_lock(&p->mu); left = --p->pending; pthread_mutex_unlock(&p->mu);
    return left;
#endif
}

static void *llm__worker_main(void *arg) {
    llm_threadpool *p = ((llm__worker_arg *)arg)->pool;
    int ith = ((llm__worker_arg *)arg)->ith;
    int seen = 0;
    for (;;) {
        int g = LLM__ATOMIC_LOAD(&p->generation), spins;
        for (spins = 0; g == seen && spins < LLM__SPIN; spins++) {
            LLM__PAUSE();
            g = LLM__ATOMIC_LOAD(&p->generation);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = LLM__ATOMIC_LOAD(&p->generation)) == seen && !p->stop)
                pthread_cond_wait(&p->cv_work, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (LLM__ATOMIC_LOAD(&p->stop)) break;
        seen = g;
        p->fn(p->ctx, ith, p->n);
        if (llm__pending_dec(p) == 0) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}
#endif

LLMDEF llm_status llm_threadpool_create(int n_threads, const llm_allocator *allocator,
                                        llm_threadpool **out, llm_error *err) {
    llm_threadpool *p;
    *out = NULL;
    if (n_threads <= 0) {
#if !defined(LLM_NO_THREADS) && defined(_SC_NPROCESSORS_ONLN)
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = n > 0 ? (int)LLM__MIN(n, 256) : 1;
#else
        n_threads = 1;
#endif
    }
    if (n_threads > 1024) return llm__fail(err, LLM_ERR_INVALID_ARG, "too many threads (%d)", n_threads);
    p = (llm_threadpool *)llm__calloc(allocator, 1, sizeof *p);
    if (!p) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    if (allocator) p->alloc = *allocator;
    p->n = n_threads;
#ifdef LLM_NO_THREADS
    p->n = 1;
#else
    {
        int i;
        llm__worker_arg *args;
        pthread_mutex_init(&p->mu, NULL);
        pthread_mutex_init(&p->dispatch, NULL);
        pthread_cond_init(&p->cv_work, NULL);
        pthread_cond_init(&p->cv_done, NULL);
        p->threads = (pthread_t *)llm__calloc(allocator, (size_t)n_threads, sizeof(pthread_t) + sizeof(llm__worker_arg));
        if (!p->threads) { llm_threadpool_free(p); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); }
        args = (llm__worker_arg *)(p->threads + n_threads);
        for (i = 1; i < n_threads; i++) {
            args[i].pool = p; args[i].ith = i;
            if (pthread_create(&p->threads[i], NULL, llm__worker_main, &args[i]) != 0) {
                llm_threadpool_free(p);
                return llm__fail(err, LLM_ERR_THREAD, "cannot start thread %d", i);
            }
            p->started = i;
        }
    }
#endif
    *out = p;
    llm__ok(err);
    return LLM_OK;
}

LLMDEF void llm_threadpool_free(llm_threadpool *p) {
    llm_allocator a;
    if (!p) return;
    a = p->alloc;
#ifndef LLM_NO_THREADS
    {
        int i;
        pthread_mutex_lock(&p->mu);
        LLM__ATOMIC_STORE(&p->stop, 1);
        LLM__ATOMIC_STORE(&p->generation, p->generation + 1);
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
        for (i = 1; i <= p->started; i++) pthread_join(p->threads[i], NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_mutex_destroy(&p->dispatch);
        pthread_cond_destroy(&p->cv_work);
        pthread_cond_destroy(&p->cv_done);
        llm__dealloc(&a, p->threads);
    }
#endif
    llm__dealloc(&a, p);
}

LLMDEF int llm_threadpool_size(const llm_threadpool *p) { return p ? p->n : 1; }

static void llm__parallel(llm_threadpool *p, llm__task_fn fn, void *ctx) {
#ifndef LLM_NO_THREADS
    if (p && p->n > 1) {
        int spins;
        pthread_mutex_lock(&p->dispatch);
        p->fn = fn; p->ctx = ctx;
        LLM__ATOMIC_STORE(&p->pending, p->n - 1);
        pthread_mutex_lock(&p->mu);
        LLM__ATOMIC_STORE(&p->generation, p->generation + 1);
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
        fn(ctx, 0, p->n);
        for (spins = 0; LLM__ATOMIC_LOAD(&p->pending) > 0 && spins < LLM__SPIN; spins++) LLM__PAUSE();
        if (LLM__ATOMIC_LOAD(&p->pending) > 0) {
            pthread_mutex_lock(&p->mu);
            while (LLM__ATOMIC_LOAD(&p->pending) > 0) pthread_cond_wait(&p->cv_done, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        pthread_mutex_unlock(&p->dispatch);
        return;
    }
#else
    LLM__UNUSED(p);
#endif
    fn(ctx, 0, 1);
}

/* The slice [*lo, *hi) of n items that thread ith of nth handles. */
static void llm__split(size_t n, int ith, int nth, size_t *lo, size_t *hi) {
    size_t chunk = n / (size_t)nth, rem = n % (size_t)nth, i = (size_t)ith;
    *lo = i * chunk + LLM__MIN(i, rem);
    *hi = *lo + chunk + (i < rem ? 1 : 0);
}

/* >>timer */
LLMDEF double llm_time_seconds(void) {
#if defined(CLOCK_MONOTONIC)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

/* >>rng: PCG32 (O'Neill), 64-bit state, 32-bit output. */
LLMDEF void llm_rng_seed(llm_rng *r, uint64_t seed) {
    r->state = 0;
    r->inc = (seed << 1u) | 1u;
    llm_rng_u32(r);
    r->state += 0x853c49e6748fea9bULL ^ seed;
    llm_rng_u32(r);
}
LLMDEF uint32_t llm_rng_u32(llm_rng *r) {
    uint64_t old = r->state;
    uint32_t xorshifted, rot;
    r->state = old * 6364136223846793005ULL + r->inc;
    xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}
LLMDEF float llm_rng_float(llm_rng *r) { return (float)(llm_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }
LLMDEF float llm_rng_normal(llm_rng *r) {
    double u1 = ((double)llm_rng_u32(r) + 1.0) * (1.0 / 4294967296.0); /* (0, 1] */
    double u2 = (double)llm_rng_u32(r) * (1.0 / 4294967296.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* =========================================================================================
   >>gguf: the native file format (github.com/ggml-org/ggml docs/gguf.md, version 3)
     "GGUF" u32 version, u64 n_tensors, u64 n_kv,
     n_kv x { string key, u32 type, value }          string = u64 length + bytes
     n_tensors x { string name, u32 n_dims, u64 ne[n_dims] (fastest first), u32 type, u64 offset }
     padding to general.alignment (32), then tensor data (each tensor at data + offset).
   Used for models (with llama.cpp's key and tensor names), tokenizers (metadata only) and
   training checkpoints (llm.* keys and llm.opt.m.* / llm.opt.v.* tensors).
   ========================================================================================= */
enum {
    LLM__GGUF_U8 = 0, LLM__GGUF_I8 = 1, LLM__GGUF_U16 = 2, LLM__GGUF_I16 = 3, LLM__GGUF_U32 = 4,
    LLM__GGUF_I32 = 5, LLM__GGUF_F32 = 6, LLM__GGUF_BOOL = 7, LLM__GGUF_STR = 8,
    LLM__GGUF_ARR = 9, LLM__GGUF_U64 = 10, LLM__GGUF_I64 = 11, LLM__GGUF_F64 = 12
};
#define LLM__GGUF_ALIGN 32
#define LLM__GGUF_TYPE_F32 0
#define LLM__GGUF_TYPE_F16 1

static size_t llm__gguf_scalar_size(uint32_t t) {
    switch (t) {
    case LLM__GGUF_U8: case LLM__GGUF_I8: case LLM__GGUF_BOOL: return 1;
    case LLM__GGUF_U16: case LLM__GGUF_I16: return 2;
    case LLM__GGUF_U32: case LLM__GGUF_I32: case LLM__GGUF_F32: return 4;
    case LLM__GGUF_U64: case LLM__GGUF_I64: case LLM__GGUF_F64: return 8;
    default: return 0;
    }
}

/* ---- writer: collects key/values in a byte buffer and tensors as pointers ---- */
typedef struct llm__gguf_wt { const char *name; int n_dims; int64_t shape[2]; const float *data; } llm__gguf_wt;
typedef struct llm__gguf_w {
    llm_allocator alloc;
    unsigned char *kv; size_t kv_len, kv_cap; uint64_t n_kv;
    llm__gguf_wt *t; size_t n_t, cap_t;
    char *names; size_t names_len, names_cap; /* tensor names are copied here */
    int oom;
} llm__gguf_w;

static llm_status llm__gguf_w_create(const llm_allocator *a, llm__gguf_w **out) {
    llm__gguf_w *w = (llm__gguf_w *)llm__calloc(a, 1, sizeof *w);
    *out = w;
    if (!w) return LLM_ERR_OUT_OF_MEMORY;
    if (a) w->alloc = *a;
    return LLM_OK;
}
static void llm__gguf_w_free(llm__gguf_w *w) {
    llm_allocator a;
    if (!w) return;
    a = w->alloc;
    llm__dealloc(&a, w->kv); llm__dealloc(&a, w->t); llm__dealloc(&a, w->names);
    llm__dealloc(&a, w);
}
/* Grows *buf (capacity *cap) to hold need bytes. */
static int llm__grow(const llm_allocator *a, void **buf, size_t *cap, size_t need, size_t used) {
    size_t nc;
    void *nb;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 256;
    while (nc < need) { if (nc > SIZE_MAX / 2) return 0; nc *= 2; }
    nb = llm__alloc(a, nc);
    if (!nb) return 0;
    if (used) memcpy(nb, *buf, used);
    llm__dealloc(a, *buf);
    *buf = nb; *cap = nc;
    return 1;
}
static void llm__gguf_w_bytes(llm__gguf_w *w, const void *p, size_t n) {
    void *buf = w->kv;
    if (w->oom) return;
    if (!llm__grow(&w->alloc, &buf, &w->kv_cap, w->kv_len + n, w->kv_len)) { w->oom = 1; return; }
    w->kv = (unsigned char *)buf;
    if (n) memcpy(w->kv + w->kv_len, p, n);
    w->kv_len += n;
}
static void llm__gguf_w_le(llm__gguf_w *w, uint64_t v, int nbytes) {
    unsigned char b[8];
    int i;
    for (i = 0; i < nbytes; i++) b[i] = (unsigned char)(v >> (8 * i));
    llm__gguf_w_bytes(w, b, (size_t)nbytes);
}
static void llm__gguf_w_string(llm__gguf_w *w, const char *s, size_t len) {
    llm__gguf_w_le(w, len, 8);
    llm__gguf_w_bytes(w, s, len);
}
static void llm__gguf_w_key(llm__gguf_w *w, const char *key, uint32_t type) {
    llm__gguf_w_string(w, key, strlen(key));
    llm__gguf_w_le(w, type, 4);
    w->n_kv++;
}
static uint32_t llm__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
LLM__MAYBE_UNUSED static void llm__gguf_w_u32(llm__gguf_w *w, const char *key, uint32_t v) { llm__gguf_w_key(w, key, LLM__GGUF_U32); llm__gguf_w_le(w, v, 4); }
LLM__MAYBE_UNUSED static void llm__gguf_w_i32(llm__gguf_w *w, const char *key, int32_t v) { llm__gguf_w_key(w, key, LLM__GGUF_I32); llm__gguf_w_le(w, (uint32_t)v, 4); }
LLM__MAYBE_UNUSED static void llm__gguf_w_u64(llm__gguf_w *w, const char *key, uint64_t v) { llm__gguf_w_key(w, key, LLM__GGUF_U64); llm__gguf_w_le(w, v, 8); }
LLM__MAYBE_UNUSED static void llm__gguf_w_f32(llm__gguf_w *w, const char *key, float v) { llm__gguf_w_key(w, key, LLM__GGUF_F32); llm__gguf_w_le(w, llm__f32_bits(v), 4); }
LLM__MAYBE_UNUSED static void llm__gguf_w_bool(llm__gguf_w *w, const char *key, int v) { llm__gguf_w_key(w, key, LLM__GGUF_BOOL); llm__gguf_w_le(w, v ? 1u : 0u, 1); }
LLM__MAYBE_UNUSED static void llm__gguf_w_str(llm__gguf_w *w, const char *key, const char *s, size_t len) { llm__gguf_w_key(w, key, LLM__GGUF_STR); llm__gguf_w_string(w, s, len); }
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_str(llm__gguf_w *w, const char *key, const char *const *strs, const uint32_t *lens, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_STR, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_string(w, strs[i], lens ? lens[i] : strlen(strs[i]));
}
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_f32(llm__gguf_w *w, const char *key, const float *v, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_F32, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_le(w, llm__f32_bits(v[i]), 4);
}
LLM__MAYBE_UNUSED static void llm__gguf_w_arr_i32(llm__gguf_w *w, const char *key, const int32_t *v, size_t n) {
    size_t i;
    llm__gguf_w_key(w, key, LLM__GGUF_ARR); llm__gguf_w_le(w, LLM__GGUF_I32, 4); llm__gguf_w_le(w, n, 8);
    for (i = 0; i < n; i++) llm__gguf_w_le(w, (uint32_t)v[i], 4);
}
/* Adds an fp32 tensor; shape in row-major (PyTorch) order, data is not copied. */
static void llm__gguf_w_tensor(llm__gguf_w *w, const char *name, int n_dims, const int64_t *shape, const float *data) {
    void *buf;
    size_t nl = strlen(name) + 1, i;
    if (w->oom) return;
    buf = w->t;
    if (!llm__grow(&w->alloc, &buf, &w->cap_t, (w->n_t + 1) * sizeof(llm__gguf_wt), w->n_t * sizeof(llm__gguf_wt))) { w->oom = 1; return; }
    w->t = (llm__gguf_wt *)buf;
    buf = w->names;
    if (!llm__grow(&w->alloc, &buf, &w->names_cap, w->names_len + nl, w->names_len)) { w->oom = 1; return; }
    w->names = (char *)buf;
    memcpy(w->names + w->names_len, name, nl);
    w->t[w->n_t].name = (const char *)(uintptr_t)w->names_len; /* an offset until written */
    w->names_len += nl;
    w->t[w->n_t].n_dims = n_dims;
    for (i = 0; i < 2; i++) w->t[w->n_t].shape[i] = (int)i < n_dims ? shape[i] : 1;
    w->t[w->n_t].data = data;
    w->n_t++;
}
static size_t llm__gguf_tensor_bytes(const llm__gguf_wt *t) { return (size_t)(t->shape[0] * (t->n_dims > 1 ? t->shape[1] : 1)) * 4; }
static llm_status llm__fwrite_le_f32(FILE *f, const float *p, size_t n) {
    if (llm__host_is_le()) return fwrite(p, 4, n, f) == n ? LLM_OK : LLM_ERR_IO;
    { size_t i; for (i = 0; i < n; i++) { unsigned char b[4]; uint32_t u = llm__f32_bits(p[i]);
        b[0] = (unsigned char)u; b[1] = (unsigned char)(u >> 8); b[2] = (unsigned char)(u >> 16); b[3] = (unsigned char)(u >> 24);
        if (fwrite(b, 1, 4, f) != 4) return LLM_ERR_IO; } }
    return LLM_OK;
}
/* Writes the file: header, key/values, tensor infos, aligned data. Written to path.tmp
   first and renamed, so a crash never leaves a half-written checkpoint under the name. */
static llm_status llm__gguf_w_write(llm__gguf_w *w, const char *path, llm_error *err) {
    llm__gguf_w hdr;
    FILE *f;
    size_t i, pathlen = strlen(path);
    uint64_t off = 0;
    char *tmp;
    llm_status st = LLM_OK;
    static const unsigned char zeros[LLM__GGUF_ALIGN] = {0};
    if (w->oom) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory building '%s'", path);
    memset(&hdr, 0, sizeof hdr);
    hdr.alloc = w->alloc;
    llm__gguf_w_bytes(&hdr, "GGUF", 4);
    llm__gguf_w_le(&hdr, 3, 4);
    llm__gguf_w_le(&hdr, w->n_t, 8);
    llm__gguf_w_le(&hdr, w->n_kv, 8);
    llm__gguf_w_bytes(&hdr, w->kv, w->kv_len);
    for (i = 0; i < w->n_t; i++) {
        const llm__gguf_wt *t = &w->t[i];
        const char *name = w->names + (size_t)(uintptr_t)t->name;
        int d;
        llm__gguf_w_string(&hdr, name, strlen(name));
        llm__gguf_w_le(&hdr, (uint64_t)t->n_dims, 4);
        for (d = t->n_dims - 1; d >= 0; d--) llm__gguf_w_le(&hdr, (uint64_t)t->shape[d], 8); /* fastest first */
        llm__gguf_w_le(&hdr, LLM__GGUF_TYPE_F32, 4);
        llm__gguf_w_le(&hdr, off, 8);
        off += (llm__gguf_tensor_bytes(t) + LLM__GGUF_ALIGN - 1) / LLM__GGUF_ALIGN * LLM__GGUF_ALIGN;
    }
    if (hdr.kv_len % LLM__GGUF_ALIGN) llm__gguf_w_bytes(&hdr, zeros, LLM__GGUF_ALIGN - hdr.kv_len % LLM__GGUF_ALIGN);
    tmp = (char *)llm__alloc(&w->alloc, pathlen + 5);
    if (hdr.oom || !tmp) { llm__dealloc(&w->alloc, hdr.kv); llm__dealloc(&w->alloc, tmp);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory writing '%s'", path); }
    memcpy(tmp, path, pathlen); memcpy(tmp + pathlen, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (!f) st = llm__fail(err, LLM_ERR_IO, "cannot create '%s'", tmp);
    if (st == LLM_OK && fwrite(hdr.kv, 1, hdr.kv_len, f) != hdr.kv_len) st = LLM_ERR_IO;
    for (i = 0; st == LLM_OK && i < w->n_t; i++) {
        size_t nb = llm__gguf_tensor_bytes(&w->t[i]);
        st = llm__fwrite_le_f32(f, w->t[i].data, nb / 4);
        if (st == LLM_OK && nb % LLM__GGUF_ALIGN && fwrite(zeros, 1, LLM__GGUF_ALIGN - nb % LLM__GGUF_ALIGN, f) != LLM__GGUF_ALIGN - nb % LLM__GGUF_ALIGN) st = LLM_ERR_IO;
    }
    if (f && fclose(f) != 0 && st == LLM_OK) st = LLM_ERR_IO;
    if (st == LLM_OK && rename(tmp, path) != 0) { remove(path); if (rename(tmp, path) != 0) st = LLM_ERR_IO; }
    if (st != LLM_OK) { remove(tmp); if (!err || err->status == LLM_OK) llm__fail(err, st, "cannot write '%s'", path); }
    llm__dealloc(&w->alloc, hdr.kv);
    llm__dealloc(&w->alloc, tmp);
    return st;
}

/* ---- reader: parses header, key/values and tensor infos; data is read on demand ---- */
typedef struct llm__gguf_kv {
    const char *key; size_t klen;
    uint32_t type, elem_type;  /* elem_type for arrays */
    uint64_t n;                /* array length (1 for scalars) */
    size_t off;                /* value (or first element) offset in meta */
    size_t *str_off;           /* string arrays: offsets of each string's length prefix */
} llm__gguf_kv;
typedef struct llm__gguf_tensor {
    const char *name; size_t nlen;
    int n_dims; int64_t shape[4];   /* row-major (slowest first) */
    uint32_t type;
    uint64_t offset;                /* absolute file offset */
    uint64_t nelem;
} llm__gguf_tensor;
typedef struct llm__gguf {
    llm_allocator alloc;
    llm__src *src;
    unsigned char *meta; size_t meta_len, meta_cap;   /* the file's header bytes */
    llm__gguf_kv *kv; size_t n_kv;
    llm__gguf_tensor *t; size_t n_t;
    size_t *str_offs;          /* storage for all string-array offsets */
    uint64_t data_start;
} llm__gguf;

/* Makes sure meta holds the file bytes [0, need). */
static llm_status llm__gguf_need(llm__gguf *g, uint64_t need, llm_error *err) {
    void *buf;
    size_t want;
    if (need <= g->meta_len) return LLM_OK;
    if (need > g->src->size)
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF truncated: header needs %llu bytes, file has %llu",
                         (unsigned long long)need, (unsigned long long)g->src->size);
    want = (size_t)LLM__MIN(g->src->size, LLM__MAX(need, (uint64_t)g->meta_len * 2 + 65536));
    buf = g->meta;
    if (!llm__grow(&g->alloc, &buf, &g->meta_cap, want, g->meta_len))
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory reading GGUF header");
    g->meta = (unsigned char *)buf;
    if (llm__src_read(g->src, g->meta_len, g->meta + g->meta_len, want - g->meta_len, err) != LLM_OK) return LLM_ERR_FORMAT;
    g->meta_len = want;
    return LLM_OK;
}
static llm_status llm__gguf_u64_at(llm__gguf *g, size_t *pos, uint64_t *v, llm_error *err) {
    if (llm__gguf_need(g, (uint64_t)*pos + 8, err) != LLM_OK) return LLM_ERR_FORMAT;
    *v = llm__rd_u64(g->meta + *pos); *pos += 8; return LLM_OK;
}
static llm_status llm__gguf_u32_at(llm__gguf *g, size_t *pos, uint32_t *v, llm_error *err) {
    if (llm__gguf_need(g, (uint64_t)*pos + 4, err) != LLM_OK) return LLM_ERR_FORMAT;
    *v = llm__rd_u32(g->meta + *pos); *pos += 4; return LLM_OK;
}
static llm_status llm__gguf_str_at(llm__gguf *g, size_t *pos, llm_error *err) {
    uint64_t len;
    if (llm__gguf_u64_at(g, pos, &len, err) != LLM_OK) return LLM_ERR_FORMAT;
    if (len > g->src->size - *pos) return llm__fail(err, LLM_ERR_FORMAT, "GGUF string length %llu beyond the end of the file", (unsigned long long)len);
    if (llm__gguf_need(g, (uint64_t)*pos + len, err) != LLM_OK) return LLM_ERR_FORMAT;
    *pos += (size_t)len;
    return LLM_OK;
}
static void llm__gguf_close(llm__gguf *g) {
    llm__dealloc(&g->alloc, g->meta); llm__dealloc(&g->alloc, g->kv);
    llm__dealloc(&g->alloc, g->t); llm__dealloc(&g->alloc, g->str_offs);
    memset(g, 0, sizeof *g);
}
static llm_status llm__gguf_open(llm__gguf *g, llm__src *src, const llm_allocator *a, llm_error *err) {
    size_t pos = 0, i, n_str = 0, str_used = 0;
    uint32_t version;
    uint64_t n_t, n_kv, data_off;
    llm_status st;
    memset(g, 0, sizeof *g);
    if (a) g->alloc = *a;
    g->src = src;
    if (llm__gguf_need(g, 24, err) != LLM_OK) goto fail;
    if (memcmp(g->meta, "GGUF", 4) != 0) { llm__fail(err, LLM_ERR_FORMAT, "not a GGUF file (bad magic)"); goto fail; }
    version = llm__rd_u32(g->meta + 4);
    if (version < 2 || version > 3) { llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF version %u not supported (2 or 3)", version); goto fail; }
    n_t = llm__rd_u64(g->meta + 8); n_kv = llm__rd_u64(g->meta + 16);
    pos = 24;
    /* every kv takes at least 12 bytes and every tensor info at least 24 */
    if (n_kv > src->size / 12 || n_t > src->size / 24) { llm__fail(err, LLM_ERR_FORMAT, "GGUF counts (%llu tensors, %llu keys) exceed the file size", (unsigned long long)n_t, (unsigned long long)n_kv); goto fail; }
    g->kv = (llm__gguf_kv *)llm__calloc(a, (size_t)n_kv + 1, sizeof *g->kv);
    g->t = (llm__gguf_tensor *)llm__calloc(a, (size_t)n_t + 1, sizeof *g->t);
    if (!g->kv || !g->t) { llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto fail; }
    /* pass 1 over key/values: validate and remember offsets (pointers are set after, since
       meta may move while it grows) */
    for (i = 0; i < n_kv; i++) {
        llm__gguf_kv *kv = &g->kv[i];
        size_t kstart = pos;
        if (llm__gguf_str_at(g, &pos, err) != LLM_OK) goto fail;
        kv->key = (const char *)(uintptr_t)(kstart + 8); kv->klen = pos - kstart - 8;
        if (llm__gguf_u32_at(g, &pos, &kv->type, err) != LLM_OK) goto fail;
        kv->n = 1;
        if (kv->type == LLM__GGUF_ARR) {
            uint64_t n, j;
            if (llm__gguf_u32_at(g, &pos, &kv->elem_type, err) != LLM_OK) goto fail;
            if (llm__gguf_u64_at(g, &pos, &n, err) != LLM_OK) goto fail;
            kv->n = n;
            kv->off = pos;
            if (kv->elem_type == LLM__GGUF_STR) {
                if (n > (src->size - pos) / 8) { llm__fail(err, LLM_ERR_FORMAT, "GGUF array of %llu strings beyond the end of the file", (unsigned long long)n); goto fail; }
                for (j = 0; j < n; j++) if (llm__gguf_str_at(g, &pos, err) != LLM_OK) goto fail;
                n_str += (size_t)n;
            } else {
                size_t es = llm__gguf_scalar_size(kv->elem_type);
                if (!es) { llm__fail(err, LLM_ERR_FORMAT, "GGUF array of unknown type %u", kv->elem_type); goto fail; }
                if (n > (src->size - pos) / es) { llm__fail(err, LLM_ERR_FORMAT, "GGUF array of %llu elements beyond the end of the file", (unsigned long long)n); goto fail; }
                if (llm__gguf_need(g, (uint64_t)pos + n * es, err) != LLM_OK) goto fail;
                pos += (size_t)(n * es);
            }
        } else if (kv->type == LLM__GGUF_STR) {
            kv->off = pos;
            if (llm__gguf_str_at(g, &pos, err) != LLM_OK) goto fail;
        } else {
            size_t es = llm__gguf_scalar_size(kv->type);
            if (!es) { llm__fail(err, LLM_ERR_FORMAT, "GGUF key with unknown type %u", kv->type); goto fail; }
            kv->off = pos;
            if (llm__gguf_need(g, (uint64_t)pos + es, err) != LLM_OK) goto fail;
            pos += es;
        }
    }
    g->n_kv = (size_t)n_kv;
    for (i = 0; i < n_t; i++) {
        llm__gguf_tensor *t = &g->t[i];
        size_t nstart = pos;
        uint32_t nd; int d;
        uint64_t ne[4], off;
        if (llm__gguf_str_at(g, &pos, err) != LLM_OK) goto fail;
        t->name = (const char *)(uintptr_t)(nstart + 8); t->nlen = pos - nstart - 8;
        if (llm__gguf_u32_at(g, &pos, &nd, err) != LLM_OK) goto fail;
        if (nd < 1 || nd > 4) { llm__fail(err, LLM_ERR_FORMAT, "GGUF tensor %u has %u dims", (unsigned)i, nd); goto fail; }
        t->n_dims = (int)nd; t->nelem = 1;
        for (d = 0; d < (int)nd; d++) {
            if (llm__gguf_u64_at(g, &pos, &ne[d], err) != LLM_OK) goto fail;
            if (ne[d] == 0 || ne[d] > src->size || t->nelem > src->size / ne[d]) { llm__fail(err, LLM_ERR_FORMAT, "GGUF tensor %u: absurd dimension %llu", (unsigned)i, (unsigned long long)ne[d]); goto fail; }
            t->nelem *= ne[d];
        }
        for (d = 0; d < (int)nd; d++) t->shape[d] = (int64_t)ne[nd - 1 - d];
        if (llm__gguf_u32_at(g, &pos, &t->type, err) != LLM_OK) goto fail;
        if (llm__gguf_u64_at(g, &pos, &off, err) != LLM_OK) goto fail;
        t->offset = off;
    }
    g->n_t = (size_t)n_t;
    data_off = ((uint64_t)pos + LLM__GGUF_ALIGN - 1) / LLM__GGUF_ALIGN * LLM__GGUF_ALIGN;
    {   /* general.alignment may change the alignment */
        size_t k;
        for (k = 0; k < g->n_kv; k++) {
            const char *key = (const char *)g->meta + (size_t)(uintptr_t)g->kv[k].key;
            if (g->kv[k].klen == 17 && memcmp(key, "general.alignment", 17) == 0 && g->kv[k].type == LLM__GGUF_U32) {
                uint32_t al = llm__rd_u32(g->meta + g->kv[k].off);
                if (al == 0 || (al & (al - 1))) { llm__fail(err, LLM_ERR_FORMAT, "GGUF alignment %u is not a power of two", al); goto fail; }
                data_off = ((uint64_t)pos + al - 1) / al * al;
            }
        }
    }
    g->data_start = data_off;
    for (i = 0; i < g->n_t; i++) {
        llm__gguf_tensor *t = &g->t[i];
        uint64_t esz = t->type == LLM__GGUF_TYPE_F32 ? 4 : t->type == LLM__GGUF_TYPE_F16 ? 2 : 0;
        if (t->offset > src->size || data_off > src->size - t->offset ||
            (esz && t->nelem > (src->size - data_off - t->offset) / esz)) {
            llm__fail(err, LLM_ERR_FORMAT, "GGUF tensor %u data (offset %llu) beyond the end of the file", (unsigned)i, (unsigned long long)t->offset);
            goto fail;
        }
        t->offset += data_off;
    }
    /* pass 2: turn offsets into pointers, index string arrays */
    g->str_offs = (size_t *)llm__calloc(a, n_str + 1, sizeof(size_t));
    if (!g->str_offs) { llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory"); goto fail; }
    for (i = 0; i < g->n_kv; i++) {
        llm__gguf_kv *kv = &g->kv[i];
        kv->key = (const char *)g->meta + (size_t)(uintptr_t)kv->key;
        if (kv->type == LLM__GGUF_ARR && kv->elem_type == LLM__GGUF_STR) {
            size_t p = kv->off; uint64_t j;
            kv->str_off = g->str_offs + str_used;
            for (j = 0; j < kv->n; j++) { kv->str_off[j] = p; p += 8 + (size_t)llm__rd_u64(g->meta + p); }
            str_used += (size_t)kv->n;
        }
    }
    for (i = 0; i < g->n_t; i++) g->t[i].name = (const char *)g->meta + (size_t)(uintptr_t)g->t[i].name;
    llm__ok(err);
    return LLM_OK;
fail:
    st = err ? err->status : LLM_ERR_FORMAT;
    llm__gguf_close(g);
    return st == LLM_OK ? LLM_ERR_FORMAT : st;
}
static const llm__gguf_kv *llm__gguf_find(const llm__gguf *g, const char *key) {
    size_t i, kl = strlen(key);
    for (i = 0; i < g->n_kv; i++)
        if (g->kv[i].klen == kl && memcmp(g->kv[i].key, key, kl) == 0) return &g->kv[i];
    return NULL;
}
static int llm__gguf_get_u64(const llm__gguf *g, const char *key, uint64_t *v) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    const unsigned char *p;
    if (!kv) return 0;
    p = g->meta + kv->off;
    switch (kv->type) {
    case LLM__GGUF_U8: case LLM__GGUF_BOOL: *v = p[0]; return 1;
    case LLM__GGUF_I8: if ((signed char)p[0] < 0) return 0; *v = p[0]; return 1;
    case LLM__GGUF_U16: *v = (uint64_t)p[0] | ((uint64_t)p[1] << 8); return 1;
    case LLM__GGUF_I16: if (p[1] & 0x80) return 0; *v = (uint64_t)p[0] | ((uint64_t)p[1] << 8); return 1;
    case LLM__GGUF_U32: *v = llm__rd_u32(p); return 1;
    case LLM__GGUF_I32: if (p[3] & 0x80) return 0; *v = llm__rd_u32(p); return 1;
    case LLM__GGUF_U64: *v = llm__rd_u64(p); return 1;
    case LLM__GGUF_I64: if (p[7] & 0x80) return 0; *v = llm__rd_u64(p); return 1;
    default: return 0;
    }
}
static int llm__gguf_get_u32(const llm__gguf *g, const char *key, uint32_t *v) {
    uint64_t u;
    if (!llm__gguf_get_u64(g, key, &u) || u > 0xffffffffu) return 0;
    *v = (uint32_t)u;
    return 1;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_f32(const llm__gguf *g, const char *key, float *v) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv) return 0;
    if (kv->type == LLM__GGUF_F32) { uint32_t u = llm__rd_u32(g->meta + kv->off); memcpy(v, &u, 4); return 1; }
    if (kv->type == LLM__GGUF_F64) { uint64_t u = llm__rd_u64(g->meta + kv->off); double d; memcpy(&d, &u, 8); *v = (float)d; return 1; }
    return 0;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_bool(const llm__gguf *g, const char *key, int *v) {
    uint64_t u;
    if (!llm__gguf_get_u64(g, key, &u)) return 0;
    *v = u != 0;
    return 1;
}
LLM__MAYBE_UNUSED static int llm__gguf_get_str(const llm__gguf *g, const char *key, const char **s, size_t *len) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_STR) return 0;
    *len = (size_t)llm__rd_u64(g->meta + kv->off);
    *s = (const char *)g->meta + kv->off + 8;
    return 1;
}
/* Numeric array: raw little-endian elements (possibly unaligned: read with memcpy). */
LLM__MAYBE_UNUSED static int llm__gguf_get_arr(const llm__gguf *g, const char *key, int *elem_type, size_t *n, const void **raw) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_ARR || kv->elem_type == LLM__GGUF_STR) return 0;
    *elem_type = (int)kv->elem_type; *n = (size_t)kv->n; *raw = g->meta + kv->off;
    return 1;
}
/* The i-th string of a string array, or 0 when absent / out of range. */
LLM__MAYBE_UNUSED static int llm__gguf_get_arr_str(const llm__gguf *g, const char *key, size_t i, const char **s, size_t *len) {
    const llm__gguf_kv *kv = llm__gguf_find(g, key);
    if (!kv || kv->type != LLM__GGUF_ARR || kv->elem_type != LLM__GGUF_STR || i >= kv->n) return 0;
    *len = (size_t)llm__rd_u64(g->meta + kv->str_off[i]);
    *s = (const char *)g->meta + kv->str_off[i] + 8;
    return 1;
}
static const llm__gguf_tensor *llm__gguf_tensor_find(const llm__gguf *g, const char *name) {
    size_t i, nl = strlen(name);
    for (i = 0; i < g->n_t; i++)
        if (g->t[i].nlen == nl && memcmp(g->t[i].name, name, nl) == 0) return &g->t[i];
    return NULL;
}

/* placeholder GEMM (replaced by the packed kernel) */
typedef struct llm__gemm_args { int M, N, K; const float *A; ptrdiff_t a_rs, a_cs; const float *B; ptrdiff_t b_rs, b_cs; float *C; ptrdiff_t ldc; int acc; } llm__gemm_args;
static void llm__gemm_task(void *ctx, int ith, int nth) {
    const llm__gemm_args *g = (const llm__gemm_args *)ctx;
    size_t lo, hi, i; int j, k;
    llm__split((size_t)g->M, ith, nth, &lo, &hi);
    for (i = lo; i < hi; i++) for (j = 0; j < g->N; j++) {
        float s = 0;
        for (k = 0; k < g->K; k++) s += g->A[(ptrdiff_t)i * g->a_rs + k * g->a_cs] * g->B[k * g->b_rs + j * g->b_cs];
        if (g->acc) g->C[(ptrdiff_t)i * g->ldc + j] += s; else g->C[(ptrdiff_t)i * g->ldc + j] = s;
    }
}
static void llm__gemm(llm_threadpool *pool, const llm_allocator *alloc, int M, int N, int K,
                      const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const float *B, ptrdiff_t b_rs, ptrdiff_t b_cs,
                      float *C, ptrdiff_t ldc, int accumulate) {
    llm__gemm_args g;
    LLM__UNUSED(alloc);
    g.M = M; g.N = N; g.K = K; g.A = A; g.a_rs = a_rs; g.a_cs = a_cs; g.B = B; g.b_rs = b_rs; g.b_cs = b_cs; g.C = C; g.ldc = ldc; g.acc = accumulate;
    llm__parallel(pool, llm__gemm_task, &g);
}

/* =========================================================================================
   >>model: config, tensor table, parameters, init
   Shapes use: L layers, C = dim, NH heads, NKV kv heads, hs = C/NH head size,
   kvC = NKV*hs, H = ffn_dim, V = vocab, Vp = padded vocab, maxT = max_seq_len,
   QKV = C + 2*kvC (the width of the fused q|k|v projection).
   ========================================================================================= */

/* Offsets (in floats) of one layer's tensors inside the parameter buffer; LLM__NONE when the
   family has no such tensor (Llama has no biases). */
#define LLM__NONE ((size_t)-1)
typedef struct llm__layer_off {
    size_t ln1w, ln1b;        /* (C)        attn_norm */
    size_t qkvw, qkvb;        /* (QKV, C), (QKV)  attn_qkv, or attn_q|attn_k|attn_v back to back */
    size_t attprojw, attprojb;/* (C, C), (C)      attn_output */
    size_t ln2w, ln2b;        /* (C)        ffn_norm */
    size_t fcw, fcb;          /* (H, C), (H) GPT-2 ffn_up;  (2H, C) Llama ffn_gate|ffn_up */
    size_t fcprojw, fcprojb;  /* (C, H), (C)      ffn_down */
} llm__layer_off;

struct llm_model {
    llm_config cfg;
    llm_allocator alloc;
    llm_log_fn log_fn;
    void *log_user;
    float *params;              /* n_params floats, 64-byte aligned */
    size_t n_params;
    llm_tensor_info *tensors;   /* the table, in storage order */
    int n_tensors;
    size_t wte, wpe, lnfw, lnfb, head;  /* (Vp,C) (maxT,C) (C) (C) (Vp,C): head == wte if tied */
    llm__layer_off *layers;     /* L entries */
    void *tokenizer;            /* an attached llm_tokenizer (owned), or NULL */
};

LLMDEF llm_status llm_config_resolve(llm_config *c, llm_error *err) {
    int hs;
    if (c->arch != LLM_ARCH_GPT2 && c->arch != LLM_ARCH_LLAMA)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "unknown architecture %d", (int)c->arch);
    if (c->n_layer <= 0 || c->n_layer > 1024) return llm__fail(err, LLM_ERR_INVALID_ARG, "n_layer %d out of range (1..1024)", c->n_layer);
    if (c->n_head <= 0 || c->n_head > 1024) return llm__fail(err, LLM_ERR_INVALID_ARG, "n_head %d out of range (1..1024)", c->n_head);
    if (c->dim <= 0 || c->dim > 65536) return llm__fail(err, LLM_ERR_INVALID_ARG, "dim %d out of range (1..65536)", c->dim);
    if (c->dim % c->n_head) return llm__fail(err, LLM_ERR_INVALID_ARG, "dim %d is not a multiple of n_head %d", c->dim, c->n_head);
    hs = c->dim / c->n_head;
    if (c->arch == LLM_ARCH_LLAMA && hs % 2) return llm__fail(err, LLM_ERR_INVALID_ARG, "RoPE needs an even head size (got %d)", hs);
    if (c->n_kv_head == 0) c->n_kv_head = c->n_head;
    if (c->n_kv_head < 0 || c->n_kv_head > c->n_head || c->n_head % c->n_kv_head)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "n_kv_head %d must divide n_head %d", c->n_kv_head, c->n_head);
    if (c->arch == LLM_ARCH_GPT2 && c->n_kv_head != c->n_head)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "GPT-2 has no grouped-query attention (n_kv_head must equal n_head)");
    if (c->ffn_dim == 0) c->ffn_dim = c->arch == LLM_ARCH_GPT2 ? 4 * c->dim : (8 * c->dim / 3 + 31) / 32 * 32;
    if (c->ffn_dim < 0 || c->ffn_dim > 1 << 20) return llm__fail(err, LLM_ERR_INVALID_ARG, "ffn_dim %d out of range", c->ffn_dim);
    if (c->vocab_size <= 0 || c->vocab_size > 1 << 24) return llm__fail(err, LLM_ERR_INVALID_ARG, "vocab_size %d out of range (1..16M)", c->vocab_size);
    if (c->padded_vocab_size == 0) c->padded_vocab_size = c->vocab_size;
    if (c->padded_vocab_size < c->vocab_size || c->padded_vocab_size > 1 << 24)
        return llm__fail(err, LLM_ERR_INVALID_ARG, "padded_vocab_size %d smaller than vocab_size %d", c->padded_vocab_size, c->vocab_size);
    if (c->max_seq_len <= 0 || c->max_seq_len > 1 << 20) return llm__fail(err, LLM_ERR_INVALID_ARG, "max_seq_len %d out of range (1..1M)", c->max_seq_len);
    if (c->norm_eps == 0) c->norm_eps = 1e-5f;
    if (c->rope_theta == 0) c->rope_theta = 10000.0f;
    if (!(c->norm_eps > 0) || !(c->rope_theta > 0)) return llm__fail(err, LLM_ERR_INVALID_ARG, "norm_eps and rope_theta must be positive");
    if (c->arch == LLM_ARCH_GPT2) c->untied_head = 0;
    return LLM_OK;
}

/* Lays out the tensor table for a config. With table == NULL only counts. Returns the
   number of tensors; *total gets the number of floats. Fills the model's offsets. */
static int llm__layout(llm_model *m, llm_tensor_info *table, size_t *total) {
    const llm_config *c = &m->cfg;
    int n = 0, l;
    size_t off = 0;
    const int64_t C = c->dim, hs = c->dim / c->n_head, kvC = (int64_t)c->n_kv_head * hs, H = c->ffn_dim;
    const int gpt2 = c->arch == LLM_ARCH_GPT2;
#define LLM__T(dst, nm, r, cols, nd, dec) do { \
        if (table) { llm_tensor_info *ti = &table[n]; snprintf(ti->name, sizeof ti->name, "%s", nm); \
            ti->n_dims = nd; ti->shape[0] = (r); ti->shape[1] = (cols); ti->offset = off; \
            ti->size = (size_t)((r) * (cols)); ti->decay = dec; } \
        dst = off; off += (size_t)((r) * (cols)); n++; } while (0)
    char nm[48];
    size_t dummy;
    LLM__T(m->wte, "token_embd.weight", (int64_t)c->padded_vocab_size, C, 2, 1);
    m->wpe = LLM__NONE;
    if (gpt2) LLM__T(m->wpe, "position_embd.weight", (int64_t)c->max_seq_len, C, 2, 1);
    for (l = 0; l < c->n_layer; l++) {
        llm__layer_off *lo = m->layers ? &m->layers[l] : NULL;
        llm__layer_off tmp;
        if (!lo) lo = &tmp;
        lo->ln1b = lo->qkvb = lo->attprojb = lo->ln2b = lo->fcb = lo->fcprojb = LLM__NONE;
#define LLM__N(suffix) (snprintf(nm, sizeof nm, "blk.%d.%s", l, suffix), nm)
        LLM__T(lo->ln1w, LLM__N("attn_norm.weight"), C, 1, 1, 0);
        if (gpt2) {
            LLM__T(lo->ln1b, LLM__N("attn_norm.bias"), C, 1, 1, 0);
            LLM__T(lo->qkvw, LLM__N("attn_qkv.weight"), 3 * C, C, 2, 1);
            LLM__T(lo->qkvb, LLM__N("attn_qkv.bias"), 3 * C, 1, 1, 0);
            LLM__T(lo->attprojw, LLM__N("attn_output.weight"), C, C, 2, 1);
            LLM__T(lo->attprojb, LLM__N("attn_output.bias"), C, 1, 1, 0);
            LLM__T(lo->ln2w, LLM__N("ffn_norm.weight"), C, 1, 1, 0);
            LLM__T(lo->ln2b, LLM__N("ffn_norm.bias"), C, 1, 1, 0);
            LLM__T(lo->fcw, LLM__N("ffn_up.weight"), H, C, 2, 1);
            LLM__T(lo->fcb, LLM__N("ffn_up.bias"), H, 1, 1, 0);
            LLM__T(lo->fcprojw, LLM__N("ffn_down.weight"), C, H, 2, 1);
            LLM__T(lo->fcprojb, LLM__N("ffn_down.bias"), C, 1, 1, 0);
        } else {
            /* q, k, v back to back form one (C + 2kvC, C) matrix: one GEMM computes all three */
            LLM__T(lo->qkvw, LLM__N("attn_q.weight"), C, C, 2, 1);
            LLM__T(dummy, LLM__N("attn_k.weight"), kvC, C, 2, 1);
            LLM__T(dummy, LLM__N("attn_v.weight"), kvC, C, 2, 1);
            LLM__T(lo->attprojw, LLM__N("attn_output.weight"), C, C, 2, 1);
            LLM__T(lo->ln2w, LLM__N("ffn_norm.weight"), C, 1, 1, 0);
            /* gate (w1) and up (w3) back to back: one (2H, C) GEMM */
            LLM__T(lo->fcw, LLM__N("ffn_gate.weight"), H, C, 2, 1);
            LLM__T(dummy, LLM__N("ffn_up.weight"), H, C, 2, 1);
            LLM__T(lo->fcprojw, LLM__N("ffn_down.weight"), C, H, 2, 1);
        }
#undef LLM__N
    }
    LLM__T(m->lnfw, "output_norm.weight", C, 1, 1, 0);
    m->lnfb = LLM__NONE;
    if (gpt2) LLM__T(m->lnfb, "output_norm.bias", C, 1, 1, 0);
    m->head = m->wte;
    if (c->untied_head) LLM__T(m->head, "output.weight", (int64_t)c->padded_vocab_size, C, 2, 1);
#undef LLM__T
    (void)dummy;
    *total = off;
    return n;
}

/* Allocates an (uninitialised) model for a resolved config. */
static llm_status llm__model_alloc(const llm_config *cfg, const llm_allocator *a, llm_log_fn log_fn,
                                   void *log_user, llm_model **out, llm_error *err) {
    llm_model *m;
    size_t total;
    int n;
    uint64_t est;
    *out = NULL;
    m = (llm_model *)llm__calloc(a, 1, sizeof *m);
    if (!m) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    m->cfg = *cfg;
    if (a) m->alloc = *a;
    m->log_fn = log_fn; m->log_user = log_user;
    /* size check in 64-bit before anything big is allocated */
    est = (uint64_t)cfg->padded_vocab_size * (uint64_t)cfg->dim * 2 + (uint64_t)cfg->max_seq_len * (uint64_t)cfg->dim +
          (uint64_t)cfg->n_layer * ((uint64_t)cfg->dim * (uint64_t)cfg->dim * 4 + 3 * (uint64_t)cfg->dim * (uint64_t)cfg->ffn_dim + 16 * (uint64_t)cfg->dim);
    if (est > (uint64_t)(SIZE_MAX / 8)) { llm__dealloc(a, m); return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "model too large (%llu parameters)", (unsigned long long)est); }
    m->layers = (llm__layer_off *)llm__calloc(a, (size_t)cfg->n_layer, sizeof(llm__layer_off));
    n = llm__layout(m, NULL, &total);
    m->tensors = (llm_tensor_info *)llm__calloc(a, (size_t)n, sizeof(llm_tensor_info));
    m->params = (float *)llm__calloc(a, total, sizeof(float));
    if (!m->layers || !m->tensors || !m->params) {
        llm_model_free(m);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for %llu parameters", (unsigned long long)total);
    }
    m->n_tensors = llm__layout(m, m->tensors, &m->n_params);
    *out = m;
    return LLM_OK;
}

/* GPT-2 init: N(0, 0.02) for matrices and embeddings, residual projections (attn_output,
   ffn_down) scaled by 1/sqrt(2L), norm gains 1, biases 0, padded vocab rows 0. */
static void llm__model_init(llm_model *m, uint64_t seed) {
    llm_rng rng;
    int i;
    const float std = 0.02f, resid = 0.02f / sqrtf(2.0f * (float)m->cfg.n_layer);
    llm_rng_seed(&rng, seed);
    for (i = 0; i < m->n_tensors; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        float *p = m->params + t->offset;
        size_t j, n = t->size;
        if (t->n_dims == 1) {
            float v = strstr(t->name, "norm.weight") ? 1.0f : 0.0f;
            for (j = 0; j < n; j++) p[j] = v;
        } else {
            float s = (strstr(t->name, "attn_output") || strstr(t->name, "ffn_down")) ? resid : std;
            if (strcmp(t->name, "token_embd.weight") == 0 || strcmp(t->name, "output.weight") == 0)
                n = (size_t)m->cfg.vocab_size * (size_t)m->cfg.dim; /* padded rows stay 0 */
            for (j = 0; j < n; j++) p[j] = s * llm_rng_normal(&rng);
        }
    }
}

LLMDEF llm_status llm_model_create(const llm_model_desc *d, llm_model **out, llm_error *err) {
    llm_config cfg;
    llm_status st;
    if (!d || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    *out = NULL;
    cfg = d->config;
    if ((st = llm_config_resolve(&cfg, err)) != LLM_OK) return st;
    if ((st = llm__model_alloc(&cfg, &d->allocator, d->log_fn, d->log_user_data, out, err)) != LLM_OK) return st;
    llm__model_init(*out, d->seed);
    llm__log(d->log_fn, d->log_user_data, 2, "llm.h: created %s model, %llu parameters",
             cfg.arch == LLM_ARCH_GPT2 ? "GPT-2" : "Llama", (unsigned long long)(*out)->n_params);
    llm__ok(err);
    return LLM_OK;
}

static void llm__tokenizer_release(llm_model *m);
LLMDEF void llm_model_free(llm_model *m) {
    llm_allocator a;
    if (!m) return;
    a = m->alloc;
    llm__tokenizer_release(m);
    llm__dealloc(&a, m->params);
    llm__dealloc(&a, m->tensors);
    llm__dealloc(&a, m->layers);
    llm__dealloc(&a, m);
}
LLMDEF const llm_config *llm_model_config(const llm_model *m) { return &m->cfg; }
LLMDEF size_t llm_model_num_params(const llm_model *m) { return m->n_params; }
LLMDEF int llm_model_num_tensors(const llm_model *m) { return m->n_tensors; }
LLMDEF const llm_tensor_info *llm_model_tensor(const llm_model *m, int i) {
    return (i >= 0 && i < m->n_tensors) ? &m->tensors[i] : NULL;
}
LLMDEF float *llm_model_params(llm_model *m) { return m->params; }
LLMDEF const float *llm_model_params_const(const llm_model *m) { return m->params; }
static const float *llm__P(const float *base, size_t off) { return off == LLM__NONE ? NULL : base + off; }
static float *llm__PW(float *base, size_t off) { return off == LLM__NONE ? NULL : base + off; }

/* =========================================================================================
   >>ops: each forward directly above its backward. Activations are row-major (B*T rows).
   Backward functions *add* into parameter gradients (dw, db) and, where noted, into dinp.
   Work is split over rows or over columns so that every output element is computed by one
   thread in a fixed order: results do not depend on the number of threads.
   ========================================================================================= */

/* Runs fn(ctx, lo, hi) over [0, n) split across the pool. */
typedef void (*llm__range_fn)(void *ctx, size_t lo, size_t hi);
typedef struct llm__for_args { llm__range_fn fn; void *ctx; size_t n; } llm__for_args;
static void llm__for_task(void *c, int ith, int nth) {
    const llm__for_args *a = (const llm__for_args *)c;
    size_t lo, hi;
    llm__split(a->n, ith, nth, &lo, &hi);
    if (lo < hi) a->fn(a->ctx, lo, hi);
}
static void llm__parallel_for(llm_threadpool *pool, size_t n, llm__range_fn fn, void *ctx) {
    llm__for_args a;
    a.fn = fn; a.ctx = ctx; a.n = n;
    if (!pool || pool->n == 1 || n < 2) { if (n) fn(ctx, 0, n); return; }
    llm__parallel(pool, llm__for_task, &a);
}

/* Dot product with 16 independent partial sums: the compiler keeps them in one vector
   register (no -ffast-math needed) and the order is fixed, so results are reproducible. */
static float llm__dot(const float *LLM__RESTRICT a, const float *LLM__RESTRICT b, int n) {
    float acc[16] = {0};
    float s = 0;
    int i = 0, u;
    for (; i + 16 <= n; i += 16)
        for (u = 0; u < 16; u++) acc[u] += a[i + u] * b[i + u];
    for (; i < n; i++) s += a[i] * b[i];
    for (u = 0; u < 16; u++) s += acc[u];
    return s;
}
/* y += alpha * x */
static void llm__axpy(float *LLM__RESTRICT y, float alpha, const float *LLM__RESTRICT x, int n) {
    int i;
    for (i = 0; i < n; i++) y[i] += alpha * x[i];
}

/* ---- >>embedding: out[b,t,:] = wte[tok[b,t],:] + wpe[t,:] (wpe only for GPT-2) ---- */
/* out (B*T, C), tokens (B*T), wte (Vp, C), wpe (maxT, C) or NULL */
static void llm__encoder_forward(float *out, const int32_t *tokens, const float *wte, const float *wpe,
                                 int B, int T, int C) {
    int b, t, i;
    for (b = 0; b < B; b++)
        for (t = 0; t < T; t++) {
            float *o = out + ((size_t)b * T + t) * C;
            const float *e = wte + (size_t)tokens[b * T + t] * C;
            if (wpe) { const float *p = wpe + (size_t)t * C; for (i = 0; i < C; i++) o[i] = e[i] + p[i]; }
            else memcpy(o, e, (size_t)C * sizeof(float));
        }
}
/* dwte (Vp, C) += scatter of dout; dwpe (maxT, C) += sum over the batch */
static void llm__encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tokens,
                                  int B, int T, int C) {
    int b, t, i;
    for (b = 0; b < B; b++)
        for (t = 0; t < T; t++) {
            const float *d = dout + ((size_t)b * T + t) * C;
            float *e = dwte + (size_t)tokens[b * T + t] * C;
            for (i = 0; i < C; i++) e[i] += d[i];
            if (dwpe) { float *p = dwpe + (size_t)t * C; for (i = 0; i < C; i++) p[i] += d[i]; }
        }
}

/* ---- >>layernorm (GPT-2): y = (x - mean) * rstd * w + b; rmsnorm (Llama): y = x * rstd * w
   out (N, C), mean (N) (unused for rmsnorm), rstd (N), inp (N, C), w, b (C) ---- */
typedef struct llm__norm_args {
    float *out, *mean, *rstd, *dinp, *dw, *db;
    const float *inp, *dout, *w, *b;
    int C, rms;
    float eps;
    size_t N;
} llm__norm_args;
static void llm__norm_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r;
    int i, C = a->C;
    for (r = lo; r < hi; r++) {
        const float *x = a->inp + r * C;
        float *y = a->out + r * C;
        double m = 0, v = 0;
        float mean, rstd;
        if (!a->rms) { for (i = 0; i < C; i++) m += x[i]; m /= C; }
        for (i = 0; i < C; i++) { double d = x[i] - m; v += d * d; }
        v /= C;
        mean = (float)m;
        rstd = (float)(1.0 / sqrt(v + a->eps));
        for (i = 0; i < C; i++) y[i] = (x[i] - mean) * rstd * a->w[i] + (a->b ? a->b[i] : 0.0f);
        if (a->mean) a->mean[r] = mean;
        a->rstd[r] = rstd;
    }
}
static void llm__norm_forward(llm_threadpool *pool, float *out, float *mean, float *rstd, const float *inp,
                              const float *w, const float *b, size_t N, int C, float eps, int rms) {
    llm__norm_args a;
    memset(&a, 0, sizeof a);
    a.out = out; a.mean = rms ? NULL : mean; a.rstd = rstd; a.inp = inp; a.w = w; a.b = b;
    a.N = N; a.C = C; a.eps = eps; a.rms = rms;
    llm__parallel_for(pool, N, llm__norm_fwd_rows, &a);
}
/* dinp += d/dx (rows in parallel) */
static void llm__norm_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r;
    int i, C = a->C;
    for (r = lo; r < hi; r++) {
        const float *x = a->inp + r * C, *dy = a->dout + r * C;
        float *dx = a->dinp + r * C;
        float mean = a->rms ? 0.0f : a->mean[r], rstd = a->rstd[r];
        double dm = 0, dnm = 0;
        float fdm, fdnm;
        for (i = 0; i < C; i++) {
            float norm = (x[i] - mean) * rstd, dnorm = dy[i] * a->w[i];
            dm += dnorm; dnm += (double)dnorm * norm;
        }
        fdm = a->rms ? 0.0f : (float)(dm / C);
        fdnm = (float)(dnm / C);
        for (i = 0; i < C; i++) {
            float norm = (x[i] - mean) * rstd, dnorm = dy[i] * a->w[i];
            dx[i] += (dnorm - fdm - norm * fdnm) * rstd;
        }
    }
}
/* dw += sum_r dout * norm, db += sum_r dout (columns in parallel: fixed row order) */
static void llm__norm_bwd_cols(void *c, size_t lo, size_t hi) {
    const llm__norm_args *a = (const llm__norm_args *)c;
    size_t r, i, C = (size_t)a->C;
    for (r = 0; r < a->N; r++) {
        const float *x = a->inp + r * C, *dy = a->dout + r * C;
        float mean = a->rms ? 0.0f : a->mean[r], rstd = a->rstd[r];
        for (i = lo; i < hi; i++) {
            a->dw[i] += dy[i] * ((x[i] - mean) * rstd);
            if (a->db) a->db[i] += dy[i];
        }
    }
}
static void llm__norm_backward(llm_threadpool *pool, float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, const float *mean, const float *rstd,
                               size_t N, int C, int rms) {
    llm__norm_args a;
    memset(&a, 0, sizeof a);
    a.dinp = dinp; a.dw = dw; a.db = db; a.dout = dout; a.inp = inp; a.w = w;
    a.mean = (float *)(uintptr_t)mean; a.rstd = (float *)(uintptr_t)rstd;
    a.N = N; a.C = C; a.rms = rms;
    llm__parallel_for(pool, N, llm__norm_bwd_rows, &a);
    llm__parallel_for(pool, (size_t)C, llm__norm_bwd_cols, &a);
}

/* ---- >>matmul: out (N, OC) = inp (N, C) @ w (OC, C)^T + bias (OC) ---- */
typedef struct llm__bias_args { float *out; const float *bias, *dout; float *dbias; size_t N; int OC; } llm__bias_args;
static void llm__bias_rows(void *c, size_t lo, size_t hi) {
    const llm__bias_args *a = (const llm__bias_args *)c;
    size_t r;
    for (r = lo; r < hi; r++) memcpy(a->out + r * a->OC, a->bias, (size_t)a->OC * sizeof(float));
}
static void llm__matmul_forward(llm_threadpool *pool, const llm_allocator *al, float *out, const float *inp,
                                const float *w, const float *bias, size_t N, int C, int OC) {
    if (bias) {
        llm__bias_args a; a.out = out; a.bias = bias; a.N = N; a.OC = OC;
        llm__parallel_for(pool, N, llm__bias_rows, &a);
    }
    llm__gemm(pool, al, (int)N, OC, C, inp, C, 1, w, 1, C, out, OC, bias != NULL);
}
static void llm__bias_grad_cols(void *c, size_t lo, size_t hi) {
    const llm__bias_args *a = (const llm__bias_args *)c;
    size_t r, j;
    for (r = 0; r < a->N; r++) {
        const float *d = a->dout + r * a->OC;
        for (j = lo; j < hi; j++) a->dbias[j] += d[j];
    }
}
/* dinp (N, C) = dout @ w (written, not added); dw (OC, C) += dout^T @ inp; dbias += colsum */
static void llm__matmul_backward(llm_threadpool *pool, const llm_allocator *al, float *dinp, float *dw,
                                 float *dbias, const float *dout, const float *inp, const float *w,
                                 size_t N, int C, int OC) {
    if (dinp) llm__gemm(pool, al, (int)N, C, OC, dout, OC, 1, w, C, 1, dinp, C, 0);
    llm__gemm(pool, al, OC, C, (int)N, dout, 1, OC, inp, C, 1, dw, C, 1);
    if (dbias) {
        llm__bias_args a; a.dbias = dbias; a.dout = dout; a.N = N; a.OC = OC;
        llm__parallel_for(pool, (size_t)OC, llm__bias_grad_cols, &a);
    }
}

/* ---- >>rope (Llama): rotate adjacent pairs (2i, 2i+1) of every q and k head by the angle
   t * theta^(-2i/hs). cos/sin tables (T, hs/2) are computed once per trainer/session the way
   llama2.c does (float pow, float angle), so imported models match it. ---- */
static void llm__rope_table(float *cosv, float *sinv, int pos0, int T, int hs, float theta) {
    int t, i;
    for (t = 0; t < T; t++)
        for (i = 0; i < hs / 2; i++) {
            float freq = 1.0f / powf(theta, (float)(2 * i) / (float)hs);
            float ang = (float)(pos0 + t) * freq;
            cosv[(size_t)t * (hs / 2) + i] = cosf(ang);
            sinv[(size_t)t * (hs / 2) + i] = sinf(ang);
        }
}
typedef struct llm__rope_args { float *x; const float *cosv, *sinv; int T, hs, n_heads, stride, dir; } llm__rope_args;
static void llm__rope_rows(void *c, size_t lo, size_t hi) {
    const llm__rope_args *a = (const llm__rope_args *)c;
    size_t r;
    int h, i, half = a->hs / 2;
    for (r = lo; r < hi; r++) {
        const float *cs = a->cosv + (r % (size_t)a->T) * half, *sn = a->sinv + (r % (size_t)a->T) * half;
        for (h = 0; h < a->n_heads; h++) {
            float *v = a->x + r * (size_t)a->stride + (size_t)h * a->hs;
            for (i = 0; i < half; i++) {
                float x0 = v[2 * i], x1 = v[2 * i + 1], s = a->dir * sn[i];
                v[2 * i] = x0 * cs[i] - x1 * s;
                v[2 * i + 1] = x0 * s + x1 * cs[i];
            }
        }
    }
}
/* In place on the q and k parts of qkv (N = B*T rows of QKV floats). dir = +1 forward;
   dir = -1 rotates back, which is the backward pass (the rotation is orthogonal). */
static void llm__rope(llm_threadpool *pool, float *qkv, const float *cosv, const float *sinv, size_t N, int T,
                      int NH, int NKV, int hs, int dir) {
    llm__rope_args a;
    a.x = qkv; a.cosv = cosv; a.sinv = sinv; a.T = T; a.hs = hs; a.n_heads = NH + NKV;
    a.stride = (NH + 2 * NKV) * hs; a.dir = dir;
    llm__parallel_for(pool, N, llm__rope_rows, &a);
}

/* ---- >>attention: causal self-attention with grouped-query heads, computed in tiles with an
   online softmax (FlashAttention): no T x T matrix is ever stored, only a tile of scores per
   thread and the log-sum-exp of each row (B, NH, T) for the backward.
   qkv (B, T, QKV) with q heads at [0, C), k heads at [C, C+kvC), v heads at [C+kvC, QKV);
   out (B, T, C); query head h reads kv head h / (NH/NKV). ---- */
#define LLM__ATT_BR 32   /* query rows per tile */
#define LLM__ATT_BC 64   /* keys per tile */
typedef struct llm__att_args {
    float *out, *lse, *dqkv, *scratch;
    const float *qkv, *dout, *o;
    int B, T, NH, NKV, hs;
    size_t scratch_per_thread;
} llm__att_args;

/* floats of per-thread scratch the attention needs */
static size_t llm__att_scratch(int T, int NH, int NKV, int hs) {
    size_t fwd = (size_t)LLM__ATT_BR * LLM__ATT_BC + (size_t)LLM__ATT_BR * hs + 2 * LLM__ATT_BR;
    size_t bwd = 2 * (size_t)LLM__ATT_BR * LLM__ATT_BC + (size_t)(NH / NKV) * T;
    return LLM__MAX(fwd, bwd);
}

static void llm__att_fwd_task(void *c, int ith, int nth) {
    const llm__att_args *a = (const llm__att_args *)c;
    const int T = a->T, hs = a->hs, C = a->NH * hs, kvC = a->NKV * hs, QKV = C + 2 * kvC;
    const int group = a->NH / a->NKV, ntile = (T + LLM__ATT_BR - 1) / LLM__ATT_BR;
    const float scale = 1.0f / sqrtf((float)hs);
    float *S = a->scratch + (size_t)ith * a->scratch_per_thread;   /* (BR, BC) scores */
    float *acc = S + LLM__ATT_BR * LLM__ATT_BC;                      /* (BR, hs) output */
    float *mrow = acc + (size_t)LLM__ATT_BR * hs, *lrow = mrow + LLM__ATT_BR;
    size_t task, lo, hi;
    llm__split((size_t)a->B * a->NH * ntile, ith, nth, &lo, &hi);
    for (task = lo; task < hi; task++) {
        const int b = (int)(task / ((size_t)a->NH * ntile)), h = (int)(task / ntile % a->NH);
        const int q0 = (int)(task % ntile) * LLM__ATT_BR, nq = LLM__MIN(LLM__ATT_BR, T - q0);
        const float *base = a->qkv + (size_t)b * T * QKV;
        const int qoff = h * hs, koff = C + (h / group) * hs, voff = C + kvC + (h / group) * hs;
        int r, k0, j, d;
        for (r = 0; r < nq; r++) { mrow[r] = -INFINITY; lrow[r] = 0; }
        memset(acc, 0, (size_t)nq * hs * sizeof(float));
        for (k0 = 0; k0 <= q0 + nq - 1; k0 += LLM__ATT_BC) {
            const int nk = LLM__MIN(LLM__ATT_BC, q0 + nq - k0);
            for (r = 0; r < nq; r++) {
                const int tq = q0 + r;
                const float *q = base + (size_t)tq * QKV + qoff;
                float *s = S + r * LLM__ATT_BC;
                float mx = mrow[r], corr, sum = 0;
                int jmax = LLM__MIN(nk, tq - k0 + 1);  /* causal: keys <= query */
                if (jmax <= 0) continue;
                for (j = 0; j < jmax; j++) {
                    s[j] = llm__dot(q, base + (size_t)(k0 + j) * QKV + koff, hs) * scale;
                    if (s[j] > mx) mx = s[j];
                }
                corr = expf(mrow[r] - mx);   /* rescale what was accumulated with the old max */
                for (j = 0; j < jmax; j++) { s[j] = expf(s[j] - mx); sum += s[j]; }
                lrow[r] = lrow[r] * corr + sum;
                mrow[r] = mx;
                {
                    float *o = acc + (size_t)r * hs;
                    for (d = 0; d < hs; d++) o[d] *= corr;
                    for (j = 0; j < jmax; j++) llm__axpy(o, s[j], base + (size_t)(k0 + j) * QKV + voff, hs);
                }
            }
        }
        for (r = 0; r < nq; r++) {
            float *o = a->out + ((size_t)b * T + q0 + r) * C + h * hs;
            const float inv = 1.0f / lrow[r];
            for (d = 0; d < hs; d++) o[d] = acc[(size_t)r * hs + d] * inv;
            a->lse[((size_t)b * a->NH + h) * T + q0 + r] = mrow[r] + logf(lrow[r]);
        }
    }
}
static void llm__attention_forward(llm_threadpool *pool, float *out, float *lse, const float *qkv, float *scratch,
                                   int B, int T, int NH, int NKV, int hs) {
    llm__att_args a;
    memset(&a, 0, sizeof a);
    a.out = out; a.lse = lse; a.qkv = qkv; a.scratch = scratch;
    a.B = B; a.T = T; a.NH = NH; a.NKV = NKV; a.hs = hs;
    a.scratch_per_thread = llm__att_scratch(T, NH, NKV, hs);
    llm__parallel(pool, llm__att_fwd_task, &a);
}

/* Backward (FlashAttention-2): one task per (batch, kv head) owns dK, dV of that head and dQ
   of its query group, so no two threads write the same gradient. For each key tile and each
   query tile at or below the diagonal the scores are recomputed from q, k and the saved
   log-sum-exp: P = exp(S - lse), dV += P^T dO, dP = dO V^T, dS = P * (dP - D) with
   D = rowsum(dO * O), dQ += dS K * scale, dK += dS^T Q * scale. */
static void llm__att_bwd_task(void *c, int ith, int nth) {
    const llm__att_args *a = (const llm__att_args *)c;
    const int T = a->T, hs = a->hs, C = a->NH * hs, kvC = a->NKV * hs, QKV = C + 2 * kvC;
    const int group = a->NH / a->NKV;
    const float scale = 1.0f / sqrtf((float)hs);
    float *P = a->scratch + (size_t)ith * a->scratch_per_thread;  /* (BR, BC) */
    float *dS = P + LLM__ATT_BR * LLM__ATT_BC;                     /* (BR, BC) */
    float *D = dS + LLM__ATT_BR * LLM__ATT_BC;                     /* (group, T) */
    size_t task, lo, hi;
    llm__split((size_t)a->B * a->NKV, ith, nth, &lo, &hi);
    for (task = lo; task < hi; task++) {
        const int b = (int)(task / a->NKV), kh = (int)(task % a->NKV);
        const float *base = a->qkv + (size_t)b * T * QKV;
        float *dbase = a->dqkv + (size_t)b * T * QKV;
        const int koff = C + kh * hs, voff = C + kvC + kh * hs;
        int g, t, k0, q0, r, j;
        /* zero this task's dK, dV, dQ columns and compute D for the group's heads */
        for (t = 0; t < T; t++) {
            memset(dbase + (size_t)t * QKV + koff, 0, (size_t)hs * sizeof(float));
            memset(dbase + (size_t)t * QKV + voff, 0, (size_t)hs * sizeof(float));
            for (g = 0; g < group; g++) {
                const int h = kh * group + g;
                const size_t ro = ((size_t)b * T + t) * C + (size_t)h * hs;
                memset(dbase + (size_t)t * QKV + h * hs, 0, (size_t)hs * sizeof(float));
                D[(size_t)g * T + t] = llm__dot(a->dout + ro, a->o + ro, hs);
            }
        }
        for (k0 = 0; k0 < T; k0 += LLM__ATT_BC) {
            const int nk = LLM__MIN(LLM__ATT_BC, T - k0);
            for (g = 0; g < group; g++) {
                const int h = kh * group + g, qoff = h * hs;
                const float *lse = a->lse + ((size_t)b * a->NH + h) * T;
                for (q0 = k0 / LLM__ATT_BR * LLM__ATT_BR; q0 < T; q0 += LLM__ATT_BR) {
                    const int nq = LLM__MIN(LLM__ATT_BR, T - q0);
                    for (r = 0; r < nq; r++) {
                        const int tq = q0 + r, jmax = LLM__MIN(nk, tq - k0 + 1);
                        const float *q = base + (size_t)tq * QKV + qoff;
                        const float *dO = a->dout + ((size_t)b * T + tq) * C + (size_t)h * hs;
                        float *p = P + r * LLM__ATT_BC, *ds = dS + r * LLM__ATT_BC;
                        float *dq = dbase + (size_t)tq * QKV + qoff;
                        const float Dr = D[(size_t)g * T + tq];
                        for (j = 0; j < jmax; j++) {
                            const float *k = base + (size_t)(k0 + j) * QKV + koff;
                            const float *v = base + (size_t)(k0 + j) * QKV + voff;
                            p[j] = expf(llm__dot(q, k, hs) * scale - lse[tq]);
                            ds[j] = p[j] * (llm__dot(dO, v, hs) - Dr) * scale;
                            llm__axpy(dbase + (size_t)(k0 + j) * QKV + voff, p[j], dO, hs);  /* dV */
                            llm__axpy(dq, ds[j], k, hs);                                       /* dQ */
                            llm__axpy(dbase + (size_t)(k0 + j) * QKV + koff, ds[j], q, hs);   /* dK */
                        }
                    }
                }
            }
        }
    }
}
/* dqkv (B, T, QKV) is written (not added); o is the forward output, dout its gradient. */
static void llm__attention_backward(llm_threadpool *pool, float *dqkv, const float *dout, const float *qkv,
                                    const float *o, const float *lse, float *scratch,
                                    int B, int T, int NH, int NKV, int hs) {
    llm__att_args a;
    memset(&a, 0, sizeof a);
    a.dqkv = dqkv; a.dout = dout; a.qkv = qkv; a.o = o; a.lse = (float *)(uintptr_t)lse; a.scratch = scratch;
    a.B = B; a.T = T; a.NH = NH; a.NKV = NKV; a.hs = hs;
    a.scratch_per_thread = llm__att_scratch(T, NH, NKV, hs);
    llm__parallel(pool, llm__att_bwd_task, &a);
}

/* ---- >>gelu (GPT-2, tanh approximation): y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
   >>swiglu (Llama): inp (N, 2H) = [gate | up], y (N, H) = silu(gate) * up ---- */
typedef struct llm__act_args { float *out, *dinp; const float *inp, *dout; int H; } llm__act_args;
#define LLM__GELU_K 0.7978845608028654f /* sqrt(2/pi) */
static void llm__gelu_fwd_rng(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) {
        float x = a->inp[i];
        a->out[i] = 0.5f * x * (1.0f + tanhf(LLM__GELU_K * (x + 0.044715f * x * x * x)));
    }
}
static void llm__gelu_forward(llm_threadpool *pool, float *out, const float *inp, size_t n) {
    llm__act_args a; a.out = out; a.inp = inp;
    llm__parallel_for(pool, n, llm__gelu_fwd_rng, &a);
}
static void llm__gelu_bwd_rng(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) {
        float x = a->inp[i], u = LLM__GELU_K * (x + 0.044715f * x * x * x);
        float th = tanhf(u), sech2 = 1.0f - th * th;
        float g = 0.5f * (1.0f + th) + 0.5f * x * sech2 * LLM__GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
        a->dinp[i] = g * a->dout[i];
    }
}
/* dinp = gelu'(inp) * dout (written) */
static void llm__gelu_backward(llm_threadpool *pool, float *dinp, const float *inp, const float *dout, size_t n) {
    llm__act_args a; a.dinp = dinp; a.inp = inp; a.dout = dout;
    llm__parallel_for(pool, n, llm__gelu_bwd_rng, &a);
}
static void llm__swiglu_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H;
        float *y = a->out + r * H;
        for (i = 0; i < H; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    }
}
static void llm__swiglu_forward(llm_threadpool *pool, float *out, const float *inp, size_t N, int H) {
    llm__act_args a; a.out = out; a.inp = inp; a.H = H;
    llm__parallel_for(pool, N, llm__swiglu_fwd_rows, &a);
}
static void llm__swiglu_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__act_args *a = (const llm__act_args *)c;
    size_t r;
    int i, H = a->H;
    for (r = lo; r < hi; r++) {
        const float *g = a->inp + r * 2 * H, *u = g + H, *dy = a->dout + r * H;
        float *dg = a->dinp + r * 2 * H, *du = dg + H;
        for (i = 0; i < H; i++) {
            float sig = 1.0f / (1.0f + expf(-g[i])), silu = g[i] * sig;
            dg[i] = dy[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
            du[i] = dy[i] * silu;
        }
    }
}
/* dinp (N, 2H) written from dout (N, H) */
static void llm__swiglu_backward(llm_threadpool *pool, float *dinp, const float *inp, const float *dout, size_t N, int H) {
    llm__act_args a; a.dinp = dinp; a.inp = inp; a.dout = dout; a.H = H;
    llm__parallel_for(pool, N, llm__swiglu_bwd_rows, &a);
}

/* ---- >>residual: out = a + b ---- */
typedef struct llm__res_args { float *out; const float *a, *b; } llm__res_args;
static void llm__residual_rng(void *c, size_t lo, size_t hi) {
    const llm__res_args *r = (const llm__res_args *)c;
    size_t i;
    for (i = lo; i < hi; i++) r->out[i] = r->a[i] + r->b[i];
}
static void llm__residual_forward(llm_threadpool *pool, float *out, const float *a, const float *b, size_t n) {
    llm__res_args r; r.out = out; r.a = a; r.b = b;
    llm__parallel_for(pool, n, llm__residual_rng, &r);
}
/* The backward of a residual add is the identity for both inputs: the model code passes the
   same gradient buffer down the residual stream and adds the branch gradients into it. */

/* ---- >>crossentropy: softmax over the real vocab V only (padded columns never count).
   logits (N, V) row stride ld; losses (N) = logsumexp - logit[target]; lse (N) saved.
   The backward overwrites logits with dlogits = (softmax - onehot) * dloss. ---- */
typedef struct llm__ce_args { float *logits, *losses, *lse; const int32_t *targets; int V, ld; float dloss; } llm__ce_args;
static void llm__ce_fwd_rows(void *c, size_t lo, size_t hi) {
    const llm__ce_args *a = (const llm__ce_args *)c;
    size_t r;
    int i;
    for (r = lo; r < hi; r++) {
        const float *x = a->logits + r * a->ld;
        float mx = -INFINITY;
        double s = 0;
        for (i = 0; i < a->V; i++) if (x[i] > mx) mx = x[i];
        for (i = 0; i < a->V; i++) s += expf(x[i] - mx);
        a->lse[r] = mx + (float)log(s);
        if (a->losses) a->losses[r] = a->lse[r] - x[a->targets[r]];
    }
}
static void llm__crossentropy_forward(llm_threadpool *pool, float *losses, float *lse, const float *logits,
                                      const int32_t *targets, size_t N, int V, int ld) {
    llm__ce_args a;
    a.logits = (float *)(uintptr_t)logits; a.losses = losses; a.lse = lse; a.targets = targets; a.V = V; a.ld = ld;
    llm__parallel_for(pool, N, llm__ce_fwd_rows, &a);
}
static void llm__ce_bwd_rows(void *c, size_t lo, size_t hi) {
    const llm__ce_args *a = (const llm__ce_args *)c;
    size_t r;
    int i;
    for (r = lo; r < hi; r++) {
        float *x = a->logits + r * a->ld;
        const float l = a->lse[r];
        for (i = 0; i < a->V; i++) x[i] = expf(x[i] - l) * a->dloss;
        x[a->targets[r]] -= a->dloss;
    }
}
static void llm__crossentropy_backward(llm_threadpool *pool, float *logits, const float *lse,
                                       const int32_t *targets, size_t N, int V, int ld, float dloss) {
    llm__ce_args a;
    a.logits = logits; a.lse = (float *)(uintptr_t)lse; a.losses = NULL; a.targets = targets; a.V = V; a.ld = ld; a.dloss = dloss;
    llm__parallel_for(pool, N, llm__ce_bwd_rows, &a);
}

/* =========================================================================================
   >>forward / >>backward of the whole model
   ========================================================================================= */
typedef struct llm__acts {
    int B, T, nth;
    int with_grads;
    float *mem;                               /* one block holding everything below */
    float *encoded;                           /* (BT, C) input of layer 0 */
    float *ln1, *ln1_mean, *ln1_rstd;         /* (L, BT, C) (L, BT) (L, BT) */
    float *qkv;                               /* (L, BT, QKV)  q, k after RoPE (Llama) */
    float *atty;                              /* (L, BT, C)    attention output */
    float *att_lse;                           /* (L, B, NH, T) log-sum-exp of each row */
    float *res2;                              /* (L, BT, C)    residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd;         /* (L, BT, C) (L, BT) (L, BT) */
    float *fch;                               /* (L, BT, FC)   FC = H (GPT-2) or 2H (Llama) */
    float *fch_act;                           /* (L, BT, H)    after GELU / SwiGLU */
    float *res3;                              /* (L, BT, C)    residual after the MLP */
    float *lnf, *lnf_mean, *lnf_rstd;         /* (BT, C) (BT) (BT) */
    float *logits;                            /* (BT, V)       becomes dlogits in backward */
    float *losses, *ce_lse;                   /* (BT) (BT) */
    float *rope_cos, *rope_sin;               /* (T, hs/2) */
    float *att_scratch;                       /* (nth, llm__att_scratch) */
    float *tmp;                               /* (BT, C) branch output before the residual add */
    /* activation gradients (only with_grads) */
    float *dres, *dbuf, *dqkv, *dfch, *dfch_act; /* (BT,C) (BT,C) (BT,QKV) (BT,FC) (BT,H) */
} llm__acts;

/* Carves the activation buffers out of one allocation. logits_ext: caller's logits buffer
   (NULL = allocate). */
static llm_status llm__acts_alloc(const llm_model *m, const llm_allocator *al, llm__acts *a, int B, int T,
                                  int nth, int with_grads, float *logits_ext) {
    const llm_config *c = &m->cfg;
    const size_t L = (size_t)c->n_layer, BT = (size_t)B * T, C = (size_t)c->dim, hs = C / (size_t)c->n_head;
    const size_t QKV = C + 2 * (size_t)c->n_kv_head * hs, H = (size_t)c->ffn_dim;
    const size_t FC = c->arch == LLM_ARCH_GPT2 ? H : 2 * H, V = (size_t)c->vocab_size;
    size_t total = 0, pass;
    float *p = NULL;
    memset(a, 0, sizeof *a);
    a->B = B; a->T = T; a->nth = nth; a->with_grads = with_grads;
    for (pass = 0; pass < 2; pass++) {
        /* pass 0 counts, pass 1 assigns (each buffer rounded up to 16 floats = 64 bytes) */
#define LLM__A(field, n) do { size_t n_ = ((size_t)(n) + 15) & ~(size_t)15; if (pass) { a->field = p; p += n_; } else total += n_; } while (0)
        LLM__A(encoded, BT * C);
        LLM__A(ln1, L * BT * C); LLM__A(ln1_mean, L * BT); LLM__A(ln1_rstd, L * BT);
        LLM__A(qkv, L * BT * QKV); LLM__A(atty, L * BT * C); LLM__A(att_lse, L * BT * (size_t)c->n_head);
        LLM__A(res2, L * BT * C);
        LLM__A(ln2, L * BT * C); LLM__A(ln2_mean, L * BT); LLM__A(ln2_rstd, L * BT);
        LLM__A(fch, L * BT * FC); LLM__A(fch_act, L * BT * H); LLM__A(res3, L * BT * C);
        LLM__A(lnf, BT * C); LLM__A(lnf_mean, BT); LLM__A(lnf_rstd, BT);
        if (!logits_ext) LLM__A(logits, BT * V);
        LLM__A(losses, BT); LLM__A(ce_lse, BT);
        LLM__A(rope_cos, (size_t)T * hs / 2 + 1); LLM__A(rope_sin, (size_t)T * hs / 2 + 1);
        LLM__A(att_scratch, (size_t)nth * llm__att_scratch(T, c->n_head, c->n_kv_head, (int)hs));
        LLM__A(tmp, BT * C);
        if (with_grads) {
            LLM__A(dres, BT * C); LLM__A(dbuf, BT * C); LLM__A(dqkv, BT * QKV);
            LLM__A(dfch, BT * FC); LLM__A(dfch_act, BT * H);
        }
#undef LLM__A
        if (!pass) {
            p = a->mem = (float *)llm__calloc(al, total, sizeof(float));
            if (!p) return LLM_ERR_OUT_OF_MEMORY;
        }
    }
    if (logits_ext) a->logits = logits_ext;
    if (c->arch == LLM_ARCH_LLAMA) llm__rope_table(a->rope_cos, a->rope_sin, 0, T, (int)hs, c->rope_theta);
    return LLM_OK;
}

/* Forward pass: tokens (B*T) -> a->logits (B*T, V). */
static void llm__forward(const llm_model *m, llm__acts *a, const int32_t *tokens, llm_threadpool *pool,
                         const llm_allocator *al) {
    const llm_config *c = &m->cfg;
    const float *P = m->params;
    const int B = a->B, T = a->T, C = c->dim, NH = c->n_head, NKV = c->n_kv_head, hs = C / NH;
    const int QKV = C + 2 * NKV * hs, H = c->ffn_dim, gpt2 = c->arch == LLM_ARCH_GPT2, FC = gpt2 ? H : 2 * H;
    const size_t BT = (size_t)B * T;
    int l;
    llm__encoder_forward(a->encoded, tokens, P + m->wte, llm__P(P, m->wpe), B, T, C);
    for (l = 0; l < c->n_layer; l++) {
        const llm__layer_off *w = &m->layers[l];
        const float *x = l == 0 ? a->encoded : a->res3 + (size_t)(l - 1) * BT * C;
        float *ln1 = a->ln1 + (size_t)l * BT * C, *qkv = a->qkv + (size_t)l * BT * QKV;
        float *atty = a->atty + (size_t)l * BT * C, *res2 = a->res2 + (size_t)l * BT * C;
        float *ln2 = a->ln2 + (size_t)l * BT * C, *fch = a->fch + (size_t)l * BT * FC;
        float *fch_act = a->fch_act + (size_t)l * BT * H, *res3 = a->res3 + (size_t)l * BT * C;
        /* attention block: x -> norm -> q,k,v -> (RoPE) -> attention -> projection -> + x */
        llm__norm_forward(pool, ln1, a->ln1_mean + (size_t)l * BT, a->ln1_rstd + (size_t)l * BT, x,
                          P + w->ln1w, llm__P(P, w->ln1b), BT, C, c->norm_eps, !gpt2);
        llm__matmul_forward(pool, al, qkv, ln1, P + w->qkvw, llm__P(P, w->qkvb), BT, C, QKV);
        if (!gpt2) llm__rope(pool, qkv, a->rope_cos, a->rope_sin, BT, T, NH, NKV, hs, 1);
        llm__attention_forward(pool, atty, a->att_lse + (size_t)l * BT * NH, qkv, a->att_scratch, B, T, NH, NKV, hs);
        llm__matmul_forward(pool, al, a->tmp, atty, P + w->attprojw, llm__P(P, w->attprojb), BT, C, C);
        llm__residual_forward(pool, res2, x, a->tmp, BT * C);
        /* MLP block: res2 -> norm -> up (and gate) -> GELU / SwiGLU -> down -> + res2 */
        llm__norm_forward(pool, ln2, a->ln2_mean + (size_t)l * BT, a->ln2_rstd + (size_t)l * BT, res2,
                          P + w->ln2w, llm__P(P, w->ln2b), BT, C, c->norm_eps, !gpt2);
        llm__matmul_forward(pool, al, fch, ln2, P + w->fcw, llm__P(P, w->fcb), BT, C, FC);
        if (gpt2) llm__gelu_forward(pool, fch_act, fch, BT * H);
        else llm__swiglu_forward(pool, fch_act, fch, BT, H);
        llm__matmul_forward(pool, al, a->tmp, fch_act, P + w->fcprojw, llm__P(P, w->fcprojb), BT, H, C);
        llm__residual_forward(pool, res3, res2, a->tmp, BT * C);
    }
    llm__norm_forward(pool, a->lnf, a->lnf_mean, a->lnf_rstd, a->res3 + (size_t)(c->n_layer - 1) * BT * C,
                      P + m->lnfw, llm__P(P, m->lnfb), BT, C, c->norm_eps, !gpt2);
    /* classifier over the real vocab only: logits (BT, V) = lnf @ head[:V]^T */
    llm__matmul_forward(pool, al, a->logits, a->lnf, P + m->head, NULL, BT, C, c->vocab_size);
}

/* Backward pass from the cross-entropy loss: adds all parameter gradients into G (same
   layout as the parameters). dloss = d(total loss)/d(each position's loss). */
static void llm__backward(const llm_model *m, llm__acts *a, float *G, const int32_t *tokens,
                          const int32_t *targets, float dloss, llm_threadpool *pool, const llm_allocator *al) {
    const llm_config *c = &m->cfg;
    const float *P = m->params;
    const int B = a->B, T = a->T, C = c->dim, NH = c->n_head, NKV = c->n_kv_head, hs = C / NH, V = c->vocab_size;
    const int QKV = C + 2 * NKV * hs, H = c->ffn_dim, gpt2 = c->arch == LLM_ARCH_GPT2, FC = gpt2 ? H : 2 * H;
    const size_t BT = (size_t)B * T;
    float *dres = a->dres;
    int l;
    llm__crossentropy_backward(pool, a->logits, a->ce_lse, targets, BT, V, V, dloss);
    /* classifier: dlnf = dlogits @ head, dhead += dlogits^T lnf (into dwte when tied) */
    llm__matmul_backward(pool, al, a->dbuf, G + m->head, NULL, a->logits, a->lnf, P + m->head, BT, C, V);
    memset(dres, 0, BT * C * sizeof(float));
    llm__norm_backward(pool, dres, G + m->lnfw, llm__PW(G, m->lnfb), a->dbuf, a->res3 + (size_t)(c->n_layer - 1) * BT * C,
                       P + m->lnfw, a->lnf_mean, a->lnf_rstd, BT, C, !gpt2);
    for (l = c->n_layer - 1; l >= 0; l--) {
        const llm__layer_off *w = &m->layers[l];
        const float *x = l == 0 ? a->encoded : a->res3 + (size_t)(l - 1) * BT * C;
        const float *ln1 = a->ln1 + (size_t)l * BT * C, *qkv = a->qkv + (size_t)l * BT * QKV;
        const float *atty = a->atty + (size_t)l * BT * C, *res2 = a->res2 + (size_t)l * BT * C;
        const float *ln2 = a->ln2 + (size_t)l * BT * C, *fch = a->fch + (size_t)l * BT * FC;
        const float *fch_act = a->fch_act + (size_t)l * BT * H;
        /* dres holds d(loss)/d(res3): the MLP branch */
        llm__matmul_backward(pool, al, a->dfch_act, G + w->fcprojw, llm__PW(G, w->fcprojb), dres, fch_act, P + w->fcprojw, BT, H, C);
        if (gpt2) llm__gelu_backward(pool, a->dfch, fch, a->dfch_act, BT * H);
        else llm__swiglu_backward(pool, a->dfch, fch, a->dfch_act, BT, H);
        llm__matmul_backward(pool, al, a->dbuf, G + w->fcw, llm__PW(G, w->fcb), a->dfch, ln2, P + w->fcw, BT, C, FC);
        llm__norm_backward(pool, dres, G + w->ln2w, llm__PW(G, w->ln2b), a->dbuf, res2, P + w->ln2w,
                           a->ln2_mean + (size_t)l * BT, a->ln2_rstd + (size_t)l * BT, BT, C, !gpt2);
        /* dres now holds d(loss)/d(res2): the attention branch */
        llm__matmul_backward(pool, al, a->dbuf, G + w->attprojw, llm__PW(G, w->attprojb), dres, atty, P + w->attprojw, BT, C, C);
        llm__attention_backward(pool, a->dqkv, a->dbuf, qkv, atty, a->att_lse + (size_t)l * BT * NH, a->att_scratch, B, T, NH, NKV, hs);
        if (!gpt2) llm__rope(pool, a->dqkv, a->rope_cos, a->rope_sin, BT, T, NH, NKV, hs, -1);
        llm__matmul_backward(pool, al, a->dbuf, G + w->qkvw, llm__PW(G, w->qkvb), a->dqkv, ln1, P + w->qkvw, BT, C, QKV);
        llm__norm_backward(pool, dres, G + w->ln1w, llm__PW(G, w->ln1b), a->dbuf, x, P + w->ln1w,
                           a->ln1_mean + (size_t)l * BT, a->ln1_rstd + (size_t)l * BT, BT, C, !gpt2);
    }
    llm__encoder_backward(G + m->wte, llm__PW(G, m->wpe), dres, tokens, B, T, C);
}

static llm_status llm__check_tokens(const llm_model *m, const int32_t *tok, size_t n, char *msg, size_t cap) {
    size_t i;
    for (i = 0; i < n; i++)
        if (tok[i] < 0 || tok[i] >= m->cfg.vocab_size) {
            if (msg) snprintf(msg, cap, "token id %ld at index %lu outside [0, %d)", (long)tok[i], (unsigned long)i, m->cfg.vocab_size);
            return LLM_ERR_OUT_OF_RANGE;
        }
    return LLM_OK;
}

LLMDEF llm_status llm_model_forward(const llm_model *m, llm_threadpool *pool, const int32_t *tokens, int B, int T,
                                    float *logits, llm_error *err) {
    llm__acts a;
    llm_status st;
    char msg[128];
    if (!m || !tokens || !logits) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    if (B <= 0 || T <= 0) return llm__fail(err, LLM_ERR_INVALID_ARG, "B and T must be positive");
    if (T > m->cfg.max_seq_len) return llm__fail(err, LLM_ERR_CONTEXT_FULL, "T = %d exceeds max_seq_len %d", T, m->cfg.max_seq_len);
    if ((st = llm__check_tokens(m, tokens, (size_t)B * T, msg, sizeof msg)) != LLM_OK) return llm__fail(err, st, "%s", msg);
    if (llm__acts_alloc(m, &m->alloc, &a, B, T, llm_threadpool_size(pool), 0, logits) != LLM_OK)
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for activations (B=%d, T=%d)", B, T);
    llm__forward(m, &a, tokens, pool, &m->alloc);
    llm__dealloc(&m->alloc, a.mem);
    llm__ok(err);
    return LLM_OK;
}

/* =========================================================================================
   >>training: loss, gradient norm and clipping, AdamW, learning-rate schedule
   ========================================================================================= */
#define LLM__NORM_CHUNK 16384  /* the gradient norm is summed per fixed chunk, then in order */

struct llm_trainer {
    llm_model *model;
    llm_trainer_desc d;
    llm_allocator alloc;
    llm_threadpool *pool;
    float *grads, *m, *v;      /* each model->n_params floats */
    double *norm_part;         /* one partial sum per chunk */
    llm__acts acts;
    int step;                  /* optimizer steps done */
    int n_micro;               /* micro-batches accumulated since the last update */
    double loss_sum;
    llm_rng rng;
    char last_error[256];
};

static llm_status llm__tr_fail(llm_trainer *tr, llm_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    llm__vfail(tr->last_error, sizeof tr->last_error, st, fmt, ap);
    va_end(ap);
    llm__log(tr->d.log_fn, tr->d.log_user_data, 0, "llm.h: %s", tr->last_error);
    return st;
}

LLMDEF llm_status llm_trainer_create(llm_model *model, const llm_trainer_desc *desc, llm_trainer **out, llm_error *err) {
    llm_trainer *tr;
    llm_trainer_desc d;
    const llm_allocator *al;
    size_t n;
    if (!model || !desc || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    *out = NULL;
    d = *desc;
    if (d.batch <= 0 || d.seq_len <= 0) return llm__fail(err, LLM_ERR_INVALID_ARG, "batch and seq_len must be positive");
    if (d.seq_len > model->cfg.max_seq_len) return llm__fail(err, LLM_ERR_CONTEXT_FULL, "seq_len %d exceeds the model's max_seq_len %d", d.seq_len, model->cfg.max_seq_len);
    if ((int64_t)d.batch * d.seq_len > (1 << 26)) return llm__fail(err, LLM_ERR_INVALID_ARG, "batch * seq_len too large");
    if (d.lr == 0) d.lr = 3e-4f;
    if (d.beta1 == 0) d.beta1 = 0.9f;
    if (d.beta2 == 0) d.beta2 = 0.95f;
    if (d.eps == 0) d.eps = 1e-8f;
    if (!(d.lr > 0) || !(d.beta1 > 0 && d.beta1 < 1) || !(d.beta2 > 0 && d.beta2 < 1) || !(d.eps > 0) ||
        !(d.weight_decay >= 0) || !(d.grad_clip >= 0) || d.warmup_steps < 0 || d.total_steps < 0 ||
        !(d.min_lr_frac >= 0 && d.min_lr_frac <= 1))
        return llm__fail(err, LLM_ERR_INVALID_ARG, "invalid optimizer settings");
    if (!d.allocator.alloc_fn) d.allocator = model->alloc;
    if (!d.log_fn) { d.log_fn = model->log_fn; d.log_user_data = model->log_user; }
    al = &d.allocator;
    tr = (llm_trainer *)llm__calloc(al, 1, sizeof *tr);
    if (!tr) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    tr->model = model; tr->d = d; tr->alloc = d.allocator; tr->pool = d.pool;
    n = model->n_params;
    tr->grads = (float *)llm__calloc(al, n, sizeof(float));
    tr->m = (float *)llm__calloc(al, n, sizeof(float));
    tr->v = (float *)llm__calloc(al, n, sizeof(float));
    tr->norm_part = (double *)llm__calloc(al, n / LLM__NORM_CHUNK + 1, sizeof(double));
    if (!tr->grads || !tr->m || !tr->v || !tr->norm_part ||
        llm__acts_alloc(model, al, &tr->acts, d.batch, d.seq_len, llm_threadpool_size(d.pool), 1, NULL) != LLM_OK) {
        llm_trainer_free(tr);
        return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for the trainer (%llu parameters, B=%d, T=%d)",
                         (unsigned long long)n, d.batch, d.seq_len);
    }
    llm_rng_seed(&tr->rng, d.seed);
    *out = tr;
    llm__ok(err);
    return LLM_OK;
}

LLMDEF void llm_trainer_free(llm_trainer *tr) {
    llm_allocator a;
    if (!tr) return;
    a = tr->alloc;
    llm__dealloc(&a, tr->grads); llm__dealloc(&a, tr->m); llm__dealloc(&a, tr->v);
    llm__dealloc(&a, tr->norm_part); llm__dealloc(&a, tr->acts.mem);
    llm__dealloc(&a, tr);
}

/* Linear warmup over warmup_steps, then cosine decay to min_lr_frac * lr at total_steps
   (karpathy/llm.c's schedule), or constant. step is 0-based. */
LLMDEF float llm_trainer_lr(const llm_trainer *tr, int step) {
    const llm_trainer_desc *d = &tr->d;
    const float min_lr = d->lr * d->min_lr_frac;
    double ratio;
    if (step < d->warmup_steps) return d->lr * (float)(step + 1) / (float)d->warmup_steps;
    if (d->schedule == LLM_SCHEDULE_CONSTANT || d->total_steps <= d->warmup_steps) return d->lr;
    if (step >= d->total_steps) return min_lr;
    ratio = (double)(step - d->warmup_steps) / (double)(d->total_steps - d->warmup_steps);
    return min_lr + (float)(0.5 * (1.0 + cos(3.141592653589793 * ratio))) * (d->lr - min_lr);
}

static llm_status llm__tr_check(llm_trainer *tr, const int32_t *inputs, const int32_t *targets) {
    const size_t n = (size_t)tr->d.batch * tr->d.seq_len;
    llm_status st;
    if (!inputs || !targets) return llm__tr_fail(tr, LLM_ERR_INVALID_ARG, "NULL tokens");
    if ((st = llm__check_tokens(tr->model, inputs, n, tr->last_error, sizeof tr->last_error)) != LLM_OK) return st;
    if ((st = llm__check_tokens(tr->model, targets, n, tr->last_error, sizeof tr->last_error)) != LLM_OK) return st;
    return LLM_OK;
}
static float llm__mean_loss(const float *losses, size_t n) {
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += losses[i];
    return (float)(s / (double)n);
}

LLMDEF llm_status llm_trainer_eval(llm_trainer *tr, const int32_t *inputs, const int32_t *targets, float *loss) {
    const size_t BT = (size_t)tr->d.batch * tr->d.seq_len;
    llm_status st;
    if ((st = llm__tr_check(tr, inputs, targets)) != LLM_OK) return st;
    llm__forward(tr->model, &tr->acts, inputs, tr->pool, &tr->alloc);
    llm__crossentropy_forward(tr->pool, tr->acts.losses, tr->acts.ce_lse, tr->acts.logits, targets, BT,
                              tr->model->cfg.vocab_size, tr->model->cfg.vocab_size);
    *loss = llm__mean_loss(tr->acts.losses, BT);
    return isfinite(*loss) ? LLM_OK : llm__tr_fail(tr, LLM_ERR_NON_FINITE, "loss is %f", (double)*loss);
}

LLMDEF llm_status llm_trainer_accumulate(llm_trainer *tr, const int32_t *inputs, const int32_t *targets, float *loss) {
    const size_t BT = (size_t)tr->d.batch * tr->d.seq_len;
    float l;
    llm_status st;
    if ((st = llm_trainer_eval(tr, inputs, targets, &l)) != LLM_OK) {
        if (st == LLM_ERR_NON_FINITE) { /* drop this step's gradients: nothing is applied */
            memset(tr->grads, 0, tr->model->n_params * sizeof(float));
            tr->n_micro = 0; tr->loss_sum = 0;
        }
        return st;
    }
    /* each micro-batch contributes the gradient of its mean loss; update() averages them */
    llm__backward(tr->model, &tr->acts, tr->grads, inputs, targets, 1.0f / (float)BT, tr->pool, &tr->alloc);
    tr->n_micro++;
    tr->loss_sum += l;
    if (loss) *loss = l;
    return LLM_OK;
}

typedef struct llm__opt_args {
    llm_trainer *tr;
    float scale;          /* gradient multiplier: 1/n_micro times the clip factor */
    float lr, bc1, bc2;   /* bias corrections 1 - beta^t */
} llm__opt_args;
static void llm__norm_chunks(void *c, size_t lo, size_t hi) {
    llm_trainer *tr = ((llm__opt_args *)c)->tr;
    const size_t n = tr->model->n_params;
    size_t k, i;
    for (k = lo; k < hi; k++) {
        const size_t a = k * LLM__NORM_CHUNK, b = LLM__MIN(n, a + LLM__NORM_CHUNK);
        double acc[8] = {0};
        for (i = a; i + 8 <= b; i += 8) {
            int u;
            for (u = 0; u < 8; u++) acc[u] += (double)tr->grads[i + u] * tr->grads[i + u];
        }
        for (; i < b; i++) acc[0] += (double)tr->grads[i] * tr->grads[i];
        tr->norm_part[k] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}
/* AdamW with PyTorch's semantics (torch.optim.AdamW):
     p -= lr * wd * p                     (decoupled weight decay, 2-D tensors only)
     m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2
     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)                        */
static void llm__adamw_range(void *c, size_t lo, size_t hi) {
    const llm__opt_args *o = (const llm__opt_args *)c;
    llm_trainer *tr = o->tr;
    const llm_model *m = tr->model;
    const float b1 = tr->d.beta1, b2 = tr->d.beta2, eps = tr->d.eps;
    const float step_size = o->lr / o->bc1, sbc2 = sqrtf(o->bc2);
    int t;
    for (t = 0; t < m->n_tensors; t++) {
        const llm_tensor_info *ti = &m->tensors[t];
        const size_t a = LLM__MAX(lo, ti->offset), b = LLM__MIN(hi, ti->offset + ti->size);
        const float decay = ti->decay ? 1.0f - o->lr * tr->d.weight_decay : 1.0f;
        size_t i;
        for (i = a; i < b; i++) {
            float g = tr->grads[i] * o->scale, p = m->params[i] * decay;
            float mi = b1 * tr->m[i] + (1.0f - b1) * g;
            float vi = b2 * tr->v[i] + (1.0f - b2) * g * g;
            tr->m[i] = mi; tr->v[i] = vi;
            m->params[i] = p - step_size * mi / (sqrtf(vi) / sbc2 + eps);
            tr->grads[i] = 0.0f;
        }
    }
}

LLMDEF llm_status llm_trainer_update(llm_trainer *tr, llm_step_result *res) {
    llm__opt_args o;
    const size_t n = tr->model->n_params, nchunks = (n + LLM__NORM_CHUNK - 1) / LLM__NORM_CHUNK;
    double sum = 0, norm;
    size_t k;
    float loss;
    if (tr->n_micro == 0) return llm__tr_fail(tr, LLM_ERR_INVALID_ARG, "no gradients accumulated");
    o.tr = tr;
    llm__parallel_for(tr->pool, nchunks, llm__norm_chunks, &o);
    for (k = 0; k < nchunks; k++) sum += tr->norm_part[k];
    norm = sqrt(sum) / tr->n_micro;   /* the norm of the averaged gradient */
    loss = (float)(tr->loss_sum / tr->n_micro);
    if (!isfinite(norm)) {
        memset(tr->grads, 0, n * sizeof(float));
        tr->n_micro = 0; tr->loss_sum = 0;
        return llm__tr_fail(tr, LLM_ERR_NON_FINITE, "gradient norm is not finite at step %d; update skipped", tr->step + 1);
    }
    o.scale = 1.0f / (float)tr->n_micro;
    if (tr->d.grad_clip > 0) {  /* torch.nn.utils.clip_grad_norm_ */
        double coef = tr->d.grad_clip / (norm + 1e-6);
        if (coef < 1.0) o.scale *= (float)coef;
    }
    o.lr = llm_trainer_lr(tr, tr->step);
    o.bc1 = 1.0f - powf(tr->d.beta1, (float)(tr->step + 1));
    o.bc2 = 1.0f - powf(tr->d.beta2, (float)(tr->step + 1));
    llm__parallel_for(tr->pool, n, llm__adamw_range, &o);
    tr->step++;
    tr->n_micro = 0; tr->loss_sum = 0;
    if (res) { res->loss = loss; res->grad_norm = (float)norm; res->lr = o.lr; res->step = tr->step; }
    return LLM_OK;
}

LLMDEF llm_status llm_trainer_step(llm_trainer *tr, const int32_t *inputs, const int32_t *targets, llm_step_result *res) {
    llm_status st = llm_trainer_accumulate(tr, inputs, targets, NULL);
    if (st != LLM_OK) return st;
    return llm_trainer_update(tr, res);
}
LLMDEF int llm_trainer_step_count(const llm_trainer *tr) { return tr->step; }
LLMDEF const float *llm_trainer_grads(const llm_trainer *tr) { return tr->grads; }
LLMDEF const float *llm_trainer_logits(const llm_trainer *tr) { return tr->acts.logits; }
LLMDEF llm_rng *llm_trainer_rng(llm_trainer *tr) { return &tr->rng; }
LLMDEF const char *llm_trainer_last_error(const llm_trainer *tr) { return tr->last_error; }

/* =========================================================================================
   >>formats: GGUF models and checkpoints, karpathy/llm.c and llama2.c imports, token shards
   ========================================================================================= */
static void llm__tokenizer_release(llm_model *m) { LLM__UNUSED(m); }

static const char *llm__arch_name(llm_arch a) { return a == LLM_ARCH_GPT2 ? "gpt2" : "llama"; }

/* The config as llama.cpp's keys (so the file opens there), plus llm.* for what it lacks. */
static void llm__model_gguf_kvs(const llm_model *m, llm__gguf_w *w) {
    const llm_config *c = &m->cfg;
    const char *an = llm__arch_name(c->arch);
    char k[96];
#define LLM__K(suffix) (snprintf(k, sizeof k, "%s.%s", an, suffix), k)
    llm__gguf_w_str(w, "general.architecture", an, strlen(an));
    llm__gguf_w_u32(w, "general.alignment", LLM__GGUF_ALIGN);
    llm__gguf_w_u32(w, LLM__K("context_length"), (uint32_t)c->max_seq_len);
    llm__gguf_w_u32(w, LLM__K("embedding_length"), (uint32_t)c->dim);
    llm__gguf_w_u32(w, LLM__K("block_count"), (uint32_t)c->n_layer);
    llm__gguf_w_u32(w, LLM__K("feed_forward_length"), (uint32_t)c->ffn_dim);
    llm__gguf_w_u32(w, LLM__K("attention.head_count"), (uint32_t)c->n_head);
    llm__gguf_w_u32(w, LLM__K("attention.head_count_kv"), (uint32_t)c->n_kv_head);
    llm__gguf_w_u32(w, LLM__K("vocab_size"), (uint32_t)c->vocab_size);
    if (c->arch == LLM_ARCH_GPT2) {
        llm__gguf_w_f32(w, LLM__K("attention.layer_norm_epsilon"), c->norm_eps);
    } else {
        llm__gguf_w_f32(w, LLM__K("attention.layer_norm_rms_epsilon"), c->norm_eps);
        llm__gguf_w_f32(w, LLM__K("rope.freq_base"), c->rope_theta);
        llm__gguf_w_u32(w, LLM__K("rope.dimension_count"), (uint32_t)(c->dim / c->n_head));
    }
#undef LLM__K
    llm__gguf_w_u32(w, "llm.padded_vocab_size", (uint32_t)c->padded_vocab_size);
    llm__gguf_w_u32(w, "llm.untied_head", (uint32_t)c->untied_head);
}
/* Row count written for a tensor: the vocabulary tables drop their padded rows. */
static int64_t llm__saved_rows(const llm_model *m, const llm_tensor_info *t) {
    if (strcmp(t->name, "token_embd.weight") == 0 || strcmp(t->name, "output.weight") == 0) return m->cfg.vocab_size;
    return t->shape[0];
}
static void llm__model_gguf_tensors(const llm_model *m, llm__gguf_w *w, const char *prefix, const float *base) {
    int i;
    char nm[96];
    for (i = 0; i < m->n_tensors; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        int64_t shape[2];
        shape[0] = llm__saved_rows(m, t); shape[1] = t->shape[1];
        snprintf(nm, sizeof nm, "%s%s", prefix, t->name);
        llm__gguf_w_tensor(w, nm, t->n_dims, shape, base + t->offset);
    }
}
static llm_status llm__model_save_impl(const llm_model *m, const char *path, const llm_trainer *tr,
                                       uint64_t data_pos, llm_error *err) {
    llm__gguf_w *w;
    llm_status st;
    if (llm__gguf_w_create(&m->alloc, &w) != LLM_OK) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory");
    llm__model_gguf_kvs(m, w);
    llm__model_gguf_tensors(m, w, "", m->params);
    if (tr) {
        llm__gguf_w_u32(w, "llm.train.step", (uint32_t)tr->step);
        llm__gguf_w_u64(w, "llm.train.rng_state", tr->rng.state);
        llm__gguf_w_u64(w, "llm.train.rng_inc", tr->rng.inc);
        llm__gguf_w_u64(w, "llm.train.data_pos", data_pos);
        llm__model_gguf_tensors(m, w, "llm.opt.m.", tr->m);
        llm__model_gguf_tensors(m, w, "llm.opt.v.", tr->v);
    }
    st = llm__gguf_w_write(w, path, err);
    llm__gguf_w_free(w);
    return st;
}
LLMDEF llm_status llm_model_save(const llm_model *m, const char *path, llm_error *err) {
    if (!m || !path) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    return llm__model_save_impl(m, path, NULL, 0, err);
}
LLMDEF llm_status llm_trainer_save(llm_trainer *tr, const char *path, uint64_t data_pos) {
    llm_error e;
    llm_status st;
    if (tr->n_micro) return llm__tr_fail(tr, LLM_ERR_INVALID_ARG, "save between updates (gradients are pending)");
    st = llm__model_save_impl(tr->model, path, tr, data_pos, &e);
    if (st != LLM_OK) llm__tr_fail(tr, st, "%s", e.message);
    return st;
}

/* Reads the tensors named prefix + table name into base. */
static llm_status llm__gguf_read_tensors(const llm_model *m, llm__gguf *g, const char *prefix, float *base, llm_error *err) {
    int i;
    char nm[96];
    for (i = 0; i < m->n_tensors; i++) {
        const llm_tensor_info *t = &m->tensors[i];
        const llm__gguf_tensor *gt;
        int64_t rows = llm__saved_rows(m, t);
        llm_status st;
        snprintf(nm, sizeof nm, "%s%s", prefix, t->name);
        gt = llm__gguf_tensor_find(g, nm);
        if (!gt) return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s' missing", nm);
        if (gt->nelem != (uint64_t)(rows * t->shape[1]) || gt->shape[gt->n_dims - 1] != (t->n_dims == 2 ? t->shape[1] : t->shape[0]))
            return llm__fail(err, LLM_ERR_FORMAT, "GGUF: tensor '%s' has %llu elements, expected %lld x %lld", nm,
                             (unsigned long long)gt->nelem, (long long)rows, (long long)t->shape[1]);
        if (gt->type != LLM__GGUF_TYPE_F32) return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: tensor '%s' has type %u (only F32 is supported)", nm, gt->type);
        if ((st = llm__src_read_f32(g->src, gt->offset, base + t->offset, (size_t)gt->nelem, err)) != LLM_OK) return st;
    }
    return LLM_OK;
}

static llm_status llm__load_gguf(llm__src *src, const llm_model_desc *d, llm_model **out, llm_error *err) {
    llm__gguf g;
    llm_config c;
    llm_status st;
    const char *an; size_t anl;
    uint32_t u;
    char k[96], arch[16];
    llm_model *m = NULL;
    if ((st = llm__gguf_open(&g, src, &d->allocator, err)) != LLM_OK) return st;
    memset(&c, 0, sizeof c);
    if (!llm__gguf_get_str(&g, "general.architecture", &an, &anl) || anl >= sizeof arch) {
        llm__gguf_close(&g);
        return llm__fail(err, LLM_ERR_FORMAT, "GGUF: general.architecture missing (a tokenizer-only file?)");
    }
    memcpy(arch, an, anl); arch[anl] = 0;
    if (strcmp(arch, "gpt2") == 0) c.arch = LLM_ARCH_GPT2;
    else if (strcmp(arch, "llama") == 0) c.arch = LLM_ARCH_LLAMA;
    else { llm__gguf_close(&g); return llm__fail(err, LLM_ERR_UNSUPPORTED, "GGUF: architecture '%s' not supported", arch); }
#define LLM__GETU(suffix, field, required) do { snprintf(k, sizeof k, "%s.%s", arch, suffix); \
        if (llm__gguf_get_u32(&g, k, &u) && u <= 0x7fffffff) c.field = (int)u; \
        else if (required) { llm__gguf_close(&g); return llm__fail(err, LLM_ERR_FORMAT, "GGUF: key %s missing or invalid", k); } } while (0)
    LLM__GETU("context_length", max_seq_len, 1);
    LLM__GETU("embedding_length", dim, 1);
    LLM__GETU("block_count", n_layer, 1);
    LLM__GETU("feed_forward_length", ffn_dim, 1);
    LLM__GETU("attention.head_count", n_head, 1);
    LLM__GETU("attention.head_count_kv", n_kv_head, 0);
#undef LLM__GETU
    snprintf(k, sizeof k, "%s.vocab_size", arch);
    if (llm__gguf_get_u32(&g, k, &u) && u <= 0x7fffffff) c.vocab_size = (int)u;
    else {  /* llama.cpp files may leave it out: take it from token_embd */
        const llm__gguf_tensor *te = llm__gguf_tensor_find(&g, "token_embd.weight");
        if (te && te->n_dims == 2 && te->shape[0] <= 0x7fffffff) c.vocab_size = (int)te->shape[0];
    }
    snprintf(k, sizeof k, c.arch == LLM_ARCH_GPT2 ? "%s.attention.layer_norm_epsilon" : "%s.attention.layer_norm_rms_epsilon", arch);
    llm__gguf_get_f32(&g, k, &c.norm_eps);
    snprintf(k, sizeof k, "%s.rope.freq_base", arch);
    llm__gguf_get_f32(&g, k, &c.rope_theta);
    if (llm__gguf_get_u32(&g, "llm.padded_vocab_size", &u) && u <= 0x7fffffff) c.padded_vocab_size = (int)u;
    if (llm__gguf_get_u32(&g, "llm.untied_head", &u)) c.untied_head = u != 0;
    else c.untied_head = llm__gguf_tensor_find(&g, "output.weight") != NULL;
    if ((st = llm_config_resolve(&c, err)) != LLM_OK) { llm__gguf_close(&g); return st == LLM_ERR_INVALID_ARG ? LLM_ERR_FORMAT : st; }
    if ((st = llm__model_alloc(&c, &d->allocator, d->log_fn, d->log_user_data, &m, err)) != LLM_OK) { llm__gguf_close(&g); return st; }
    st = llm__gguf_read_tensors(m, &g, "", m->params, err);
    llm__gguf_close(&g);
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

LLMDEF llm_status llm_trainer_load_state(llm_trainer *tr, const char *path, uint64_t *data_pos) {
    llm__src src;
    llm__gguf g;
    llm_error e;
    llm_status st;
    uint32_t step;
    uint64_t rs, ri, dp = 0;
    if ((st = llm__src_open(&src, path, NULL, 0, &e)) != LLM_OK) return llm__tr_fail(tr, st, "%s", e.message);
    if ((st = llm__gguf_open(&g, &src, &tr->alloc, &e)) != LLM_OK) { llm__src_close(&src); return llm__tr_fail(tr, st, "%s", e.message); }
    if (!llm__gguf_get_u32(&g, "llm.train.step", &step) || !llm__gguf_get_u64(&g, "llm.train.rng_state", &rs) ||
        !llm__gguf_get_u64(&g, "llm.train.rng_inc", &ri) || step > 0x7fffffff) {
        st = llm__tr_fail(tr, LLM_ERR_FORMAT, "'%s' holds no training state (llm.train.* keys)", path);
    } else if ((st = llm__gguf_read_tensors(tr->model, &g, "llm.opt.m.", tr->m, &e)) != LLM_OK ||
               (st = llm__gguf_read_tensors(tr->model, &g, "llm.opt.v.", tr->v, &e)) != LLM_OK) {
        llm__tr_fail(tr, st, "%s", e.message);
    } else {
        llm__gguf_get_u64(&g, "llm.train.data_pos", &dp);
        tr->step = (int)step; tr->rng.state = rs; tr->rng.inc = ri;
        tr->n_micro = 0; tr->loss_sum = 0;
        memset(tr->grads, 0, tr->model->n_params * sizeof(float));
        if (data_pos) *data_pos = dp;
    }
    llm__gguf_close(&g);
    llm__src_close(&src);
    return st;
}

/* karpathy/llm.c GPT-2 checkpoint: int32 header[256] = {20240326, 3 (fp32), maxT, V, L, NH,
   C, Vp, ...}, then all parameters as fp32, each kind for all layers together:
   wte (Vp,C) wpe (maxT,C) ln1w (L,C) ln1b (L,C) qkvw (L,3C,C) qkvb (L,3C) attprojw (L,C,C)
   attprojb (L,C) ln2w (L,C) ln2b (L,C) fcw (L,4C,C) fcb (L,4C) fcprojw (L,C,4C) fcprojb (L,C)
   lnfw (C) lnfb (C). */
static llm_status llm__load_llmc(llm__src *src, const unsigned char *hdr, const llm_model_desc *d, llm_model **out, llm_error *err) {
    int32_t h[8];
    llm_config c;
    llm_model *m = NULL;
    llm_status st;
    uint64_t off = 1024, need;
    int i, l;
    for (i = 0; i < 8; i++) h[i] = (int32_t)llm__rd_u32(hdr + 4 * i);
    if (h[1] != 3) return llm__fail(err, LLM_ERR_UNSUPPORTED, "llm.c checkpoint version %d (only 3 = fp32 is supported)", (int)h[1]);
    memset(&c, 0, sizeof c);
    c.arch = LLM_ARCH_GPT2;
    c.max_seq_len = h[2]; c.vocab_size = h[3]; c.n_layer = h[4]; c.n_head = h[5]; c.dim = h[6]; c.padded_vocab_size = h[7];
    if (c.max_seq_len <= 0 || c.vocab_size <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.dim <= 0 || c.padded_vocab_size <= 0)
        return llm__fail(err, LLM_ERR_FORMAT, "llm.c checkpoint: invalid header (maxT %d, V %d, L %d, NH %d, C %d, Vp %d)",
                         h[2], h[3], h[4], h[5], h[6], h[7]);
    if ((st = llm_config_resolve(&c, err)) != LLM_OK) return LLM_ERR_FORMAT;
    {   /* the file must hold exactly the parameters the header promises */
        uint64_t C = (uint64_t)c.dim, L = (uint64_t)c.n_layer;
        need = (uint64_t)c.padded_vocab_size * C + (uint64_t)c.max_seq_len * C + L * (12 * C * C + 13 * C) + 2 * C;
        if (need > (src->size - 1024) / 4)
            return llm__fail(err, LLM_ERR_FORMAT, "llm.c checkpoint truncated: header needs %llu bytes of parameters, file has %llu",
                             (unsigned long long)(need * 4), (unsigned long long)(src->size - 1024));
    }
    if ((st = llm__model_alloc(&c, &d->allocator, d->log_fn, d->log_user_data, &m, err)) != LLM_OK) return st;
    {
        const size_t C = (size_t)c.dim;
        struct { size_t per; size_t fieldoff; } kinds[12];
        int k;
        /* llm.c order of the per-layer kinds, with each kind's size per layer and where it
           lives in llm__layer_off */
        size_t sizes[12];
        sizes[0] = C; sizes[1] = C; sizes[2] = 3 * C * C; sizes[3] = 3 * C; sizes[4] = C * C; sizes[5] = C;
        sizes[6] = C; sizes[7] = C; sizes[8] = 4 * C * C; sizes[9] = 4 * C; sizes[10] = 4 * C * C; sizes[11] = C;
        kinds[0].fieldoff = offsetof(llm__layer_off, ln1w); kinds[1].fieldoff = offsetof(llm__layer_off, ln1b);
        kinds[2].fieldoff = offsetof(llm__layer_off, qkvw); kinds[3].fieldoff = offsetof(llm__layer_off, qkvb);
        kinds[4].fieldoff = offsetof(llm__layer_off, attprojw); kinds[5].fieldoff = offsetof(llm__layer_off, attprojb);
        kinds[6].fieldoff = offsetof(llm__layer_off, ln2w); kinds[7].fieldoff = offsetof(llm__layer_off, ln2b);
        kinds[8].fieldoff = offsetof(llm__layer_off, fcw); kinds[9].fieldoff = offsetof(llm__layer_off, fcb);
        kinds[10].fieldoff = offsetof(llm__layer_off, fcprojw); kinds[11].fieldoff = offsetof(llm__layer_off, fcprojb);
        st = llm__src_read_f32(src, off, m->params + m->wte, (size_t)c.padded_vocab_size * C, err);
        off += (uint64_t)c.padded_vocab_size * C * 4;
        if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + m->wpe, (size_t)c.max_seq_len * C, err);
        off += (uint64_t)c.max_seq_len * C * 4;
        for (k = 0; k < 12 && st == LLM_OK; k++)
            for (l = 0; l < c.n_layer && st == LLM_OK; l++) {
                size_t dst;
                memcpy(&dst, (const unsigned char *)&m->layers[l] + kinds[k].fieldoff, sizeof dst);
                st = llm__src_read_f32(src, off, m->params + dst, sizes[k], err);
                off += sizes[k] * 4;
            }
        if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + m->lnfw, C, err);
        if (st == LLM_OK) st = llm__src_read_f32(src, off + C * 4, m->params + m->lnfb, C, err);
    }
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

/* llama2.c legacy checkpoint: int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads,
   vocab_size (negative: separate classifier), seq_len}, then fp32 token_embedding (V,C),
   rms_att (L,C), wq (L,C,C), wk (L,kvC,C), wv (L,kvC,C), wo (L,C,C), rms_ffn (L,C),
   w1 (L,H,C), w2 (L,C,H), w3 (L,H,C), rms_final (C), freq_cis_real and _imag
   (maxT, hs/2 each: skipped, RoPE is recomputed), then wcls (V,C) when unshared. */
static llm_status llm__load_llama2c(llm__src *src, const unsigned char *hdr, const llm_model_desc *d, llm_model **out, llm_error *err) {
    int32_t h[7];
    llm_config c;
    llm_model *m = NULL;
    llm_status st = LLM_OK;
    uint64_t off = 28, need, C, L, H, kvC, V, hs;
    int i, l, shared;
    for (i = 0; i < 7; i++) h[i] = (int32_t)llm__rd_u32(hdr + 4 * i);
    memset(&c, 0, sizeof c);
    c.arch = LLM_ARCH_LLAMA;
    c.dim = h[0]; c.ffn_dim = h[1]; c.n_layer = h[2]; c.n_head = h[3]; c.n_kv_head = h[4];
    shared = h[5] > 0;
    c.vocab_size = h[5] < 0 ? -h[5] : h[5]; c.max_seq_len = h[6];
    c.untied_head = !shared;
    if (h[0] <= 0 || h[1] <= 0 || h[2] <= 0 || h[3] <= 0 || h[4] <= 0 || h[5] == 0 || h[5] == INT32_MIN || h[6] <= 0)
        return llm__fail(err, LLM_ERR_FORMAT, "not a recognised model file (no GGUF / llm.c magic, and not a valid llama2.c header)");
    if ((st = llm_config_resolve(&c, err)) != LLM_OK) return LLM_ERR_FORMAT;
    C = (uint64_t)c.dim; L = (uint64_t)c.n_layer; H = (uint64_t)c.ffn_dim; V = (uint64_t)c.vocab_size;
    hs = C / (uint64_t)c.n_head; kvC = (uint64_t)c.n_kv_head * hs;
    need = V * C + L * (2 * C + 2 * C * C + 2 * C * kvC + 3 * C * H) + C + (uint64_t)c.max_seq_len * hs + (shared ? 0 : V * C);
    if (need > (src->size - 28) / 4)
        return llm__fail(err, LLM_ERR_FORMAT, "llama2.c checkpoint truncated: header needs %llu bytes, file has %llu",
                         (unsigned long long)(need * 4 + 28), (unsigned long long)src->size);
    if ((st = llm__model_alloc(&c, &d->allocator, d->log_fn, d->log_user_data, &m, err)) != LLM_OK) return st;
#define LLM__RD(dst, n) do { if (st == LLM_OK) st = llm__src_read_f32(src, off, m->params + (dst), (size_t)(n), err); off += (uint64_t)(n) * 4; } while (0)
    LLM__RD(m->wte, V * C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].ln1w, C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw, C * C);               /* wq */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw + C * C, kvC * C);     /* wk */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].qkvw + C * C + kvC * C, kvC * C); /* wv */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].attprojw, C * C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].ln2w, C);
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcw, H * C);                /* w1 = gate */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcprojw, C * H);            /* w2 = down */
    for (l = 0; l < c.n_layer; l++) LLM__RD(m->layers[l].fcw + H * C, H * C);        /* w3 = up */
    LLM__RD(m->lnfw, C);
    off += (uint64_t)c.max_seq_len * hs * 4;  /* freq_cis_real, freq_cis_imag */
    if (!shared) LLM__RD(m->head, V * C);
#undef LLM__RD
    if (st != LLM_OK) { llm_model_free(m); return st; }
    *out = m;
    return LLM_OK;
}

LLMDEF llm_status llm_model_load(const llm_model_desc *d, llm_model **out, llm_error *err) {
    llm__src src;
    unsigned char hdr[32];
    llm_status st;
    if (!d || !out) return llm__fail(err, LLM_ERR_INVALID_ARG, "NULL argument");
    *out = NULL;
    if ((st = llm__src_open(&src, d->path, d->data, d->size, err)) != LLM_OK) return st;
    memset(hdr, 0, sizeof hdr);
    if (src.size < 28) { llm__src_close(&src); return llm__fail(err, LLM_ERR_FORMAT, "file too small (%llu bytes) to be a model", (unsigned long long)src.size); }
    st = llm__src_read(&src, 0, hdr, (size_t)LLM__MIN(src.size, 32), err);
    if (st == LLM_OK) {
        if (memcmp(hdr, "GGUF", 4) == 0) st = llm__load_gguf(&src, d, out, err);
        else if (llm__rd_u32(hdr) == 20240326u) {
            if (src.size < 1024) st = llm__fail(err, LLM_ERR_FORMAT, "llm.c checkpoint truncated in its 1024-byte header");
            else st = llm__load_llmc(&src, hdr, d, out, err);
        } else st = llm__load_llama2c(&src, hdr, d, out, err);
    }
    llm__src_close(&src);
    if (st == LLM_OK) {
        llm__log(d->log_fn, d->log_user_data, 2, "llm.h: loaded %s model, %d layers, dim %d, vocab %d",
                 llm__arch_name((*out)->cfg.arch), (*out)->cfg.n_layer, (*out)->cfg.dim, (*out)->cfg.vocab_size);
        llm__ok(err);
    }
    return st;
}

/* llm.c token shard: int32 header[256] = {20240520, 1, count, ...}, then count uint16 ids. */
LLMDEF llm_status llm_parse_token_shard(const void *data, size_t size, const llm_allocator *al, int32_t **tokens,
                                        size_t *count, llm_error *err) {
    const unsigned char *p = (const unsigned char *)data;
    uint32_t magic, version;
    uint64_t n, i;
    int32_t *t;
    *tokens = NULL; *count = 0;
    if (!data || size < 1024) return llm__fail(err, LLM_ERR_FORMAT, "token shard truncated: %llu bytes, header needs 1024", (unsigned long long)size);
    magic = llm__rd_u32(p); version = llm__rd_u32(p + 4); n = llm__rd_u32(p + 8);
    if (magic != 20240520u) return llm__fail(err, LLM_ERR_FORMAT, "not an llm.c token shard (magic %u, expected 20240520)", magic);
    if (version != 1) return llm__fail(err, LLM_ERR_UNSUPPORTED, "token shard version %u (only 1 is supported)", version);
    if (n > (size - 1024) / 2) return llm__fail(err, LLM_ERR_FORMAT, "token shard truncated: header says %llu tokens, file holds %llu",
                                                 (unsigned long long)n, (unsigned long long)((size - 1024) / 2));
    if (n == 0) return llm__fail(err, LLM_ERR_FORMAT, "token shard holds no tokens");
    t = (int32_t *)llm__alloc(al, (size_t)n * sizeof(int32_t));
    if (!t) return llm__fail(err, LLM_ERR_OUT_OF_MEMORY, "out of memory for %llu tokens", (unsigned long long)n);
    for (i = 0; i < n; i++) t[i] = (int32_t)(p[1024 + 2 * i] | (p[1024 + 2 * i + 1] << 8));
    *tokens = t; *count = (size_t)n;
    llm__ok(err);
    return LLM_OK;
}
LLMDEF llm_status llm_load_token_shard(const char *path, const llm_allocator *al, int32_t **tokens, size_t *count, llm_error *err) {
    void *data;
    size_t size;
    llm_status st = llm_read_file(path, al, &data, &size, err);
    if (st != LLM_OK) { *tokens = NULL; *count = 0; return st; }
    st = llm_parse_token_shard(data, size, al, tokens, count, err);
    llm__dealloc(al, data);
    return st;
}

/* @@IMPL@@ */

#endif /* LLM_IMPLEMENTATION_DONE */
#endif /* LLM_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 llm.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in perpetuity for the benefit of the public at
large and to the detriment of our heirs and successors. We intend this
dedication to be an overt act of relinquishment in perpetuity of all present
and future rights to this software under copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
