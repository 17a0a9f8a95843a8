/* llm_cuda.h - the CUDA backend of llm.h: trainers and sessions on an NVIDIA GPU.

   USE
       Compile the file that defines LLM_IMPLEMENTATION with nvcc and LLM_CUDA defined:
           nvcc -O3 -arch=sm_90 -DLLM_CUDA -x cu examples/train.c -o train_gpu -lcublas
       (-arch=sm_80 for an A100, or both with -gencode). llm.h includes this file itself, so
       the program's source does not change; without LLM_CUDA nothing of CUDA is compiled or
       linked. Needs compute capability 8.0 or newer (bf16 tensor cores) and CUDA 11.4+.

   WHAT RUNS ON THE GPU
       Every llm_trainer_* and llm_session_* call (and so llm_generate and beam search): each
       op of llm.h's backend table (llm__ops) has a kernel here. Embedding forward/backward;
       LayerNorm and RMSNorm forward/backward, the residual add before the MLP's norm fused
       in; matmuls through cuBLAS; RoPE; GELU and SwiGLU; cross-entropy with softmax, loss and
       the logits' gradient in one kernel; a deterministic gradient norm; AdamW on fp32 master
       weights (the bf16 copy written with stochastic rounding); flash attention forward and
       backward (mma.sync m16n8k16 bf16 with ldmatrix, causal, grouped-query heads, head
       dims 64 and 128; a backward of three kernels with no atomics); a split-KV decode
       attention over the KV cache in GPU memory. A greedy generation copies one token id
       back per step; other samplers read the logits of the last token.
       A trainer trains a copy of the weights in GPU memory (llm_trainer_sync and every save
       bring them back into the model); a session keeps its own copy and its KV cache there.
       Other head dims run the simple attention kernels (below); dims over 256 are refused.

   PRECISION (llm_precision in the trainer and session descs)
       DEFAULT = BF16: matmul and attention inputs in bf16 (the weights' bf16 copy, the
       activations converted as they are read), fp32 accumulation, fp32 activations between
       ops, fp32 master weights and AdamW state. FP32: fp32 everywhere (cuBLAS without TF32,
       the simple attention kernels), for parity with the CPU.

   ERRORS
       A failed CUDA or cuBLAS call becomes LLM_ERR_CUDA with CUDA's message in the object's
       last error; the object stays failed; nothing exits. Out of GPU memory at create is
       LLM_ERR_OUT_OF_MEMORY. No usable GPU at run time: with backend AUTO trainers and
       sessions run on the CPU and the log (log_fn) says why; LLM_BACKEND_CUDA gives
       LLM_ERR_CUDA. llm_backend_name(), llm_trainer_backend() and llm_session_backend() say
       where work runs.

   PROOF IN LAYERS (tests/gpu_check.sh runs the GPU layers on a machine that has one)
       1. The tile algorithm of the flash kernels is written below in plain C as well (same
          tiles, same loop order, same bf16 rounding points); CI checks it against float64
          attention, forward and backward, on the CPU.
       2. Every fast kernel has a simple twin (one thread or warp per output, no shared
          memory): llm__cuda_ref_ops. The GPU check compares fast with simple, then every op
          with the CPU's, then training steps and greedy generations of both families.
       3. CI compiles all of it for sm_80 and sm_90 with ptxas spill warnings as errors and
          checks that the flash kernels hold tensor-core mma instructions.

   CONTENTS
       >>flash_algorithm   the flash kernels' algorithm in plain C (host; CI runs it)
       >>cuda_state        the context: stream, cuBLAS, scratch, the first error
       >>cuda_memory       alloc, upload, download, copy
       >>cuda_kernels      elementwise ops, norms, column sums, cross-entropy, AdamW, norm
       >>cuda_matmul       cuBLAS in row-major terms
       >>cuda_attention    simple kernels, flash forward/backward (mma), decode attention
       >>cuda_tables       the op tables, device probe
*/
#ifndef LLM_CUDA_H_INCLUDED
#define LLM_CUDA_H_INCLUDED
#ifndef LLM_H_INCLUDED
#error "llm_cuda.h: include llm.h first (llm.h includes this file itself when LLM_CUDA is defined)"
#endif

#if defined(LLM_IMPLEMENTATION)
/* =========================================================================================
   >>flash_algorithm: the flash kernels' tile algorithm in plain C (host code; CI runs it)

   Forward, per (sequence b, head h, query tile of LLM__FA_BM = 64 rows): the tile's q rows
   (rounded to bf16) meet key tiles of LLM__FA_BN = 64 keys in order, up to the diagonal.
   For each row and each key tile:
       s_j = (q . k_j) * scale * log2(e)           bf16 inputs, fp32 sums (base-2 logits)
       m' = max(m, max_j s_j);  c = 2^(m - m');  p_j = 2^(s_j - m')
       l = l * c + sum_j p_j;   o = o * c + sum_j bf16(p_j) bf16(v_j)
   then out = o / l and lse = (m + log2 l) ln 2 (the natural log, as the CPU keeps it).
   Backward, with D_i = sum_d dO_i,d O_i,d and p_ij = 2^(s_ij - lse_i log2(e)):
       dV_j += sum_i bf16(p_ij) bf16(dO_i)          dP_ij = bf16(dO_i) . bf16(v_j)
       dS_ij = p_ij (dP_ij - D_i) scale
       dK_j += sum_i bf16(dS_ij) bf16(q_i)          dQ_i += sum_j bf16(dS_ij) bf16(k_j)
   dK, dV: one block per (b, kv head, key tile), looping over the group's heads and over the
   queries from the diagonal on, LLM__FA_BWD_M = 32 at a time; dQ: one block per (b, head,
   query tile) over the key tiles to the diagonal. Every output has one owner: no atomics,
   the same bits on every run. bf16 = 0 runs the same loops without rounding.
   ========================================================================================= */
#define LLM__FA_BM 64
#define LLM__FA_BN 64
#define LLM__FA_BWD_M 32
#define LLM__LOG2E 1.4426950408889634f
#define LLM__LN2 0.6931471805599453f

/* fp32 to the nearest bf16 (ties to even), returned as a float; Inf and NaN pass */
LLM__MAYBE_UNUSED static float llm__bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return f;
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
}
LLM__MAYBE_UNUSED static float llm__fa_r(float f, int bf16) { return bf16 ? llm__bf16_round(f) : f; }
LLM__MAYBE_UNUSED static float llm__fa_dot(const float *a, const float *b, int D, int bf16) {
    float acc = 0;
    int d;
    for (d = 0; d < D; d++) acc += llm__fa_r(a[d], bf16) * llm__fa_r(b[d], bf16);
    return acc;
}

/* out (B, T, NH*D), lse (B, NH, T) from qkv (B, T, QKV); D <= 256 */
LLM__MAYBE_UNUSED static void llm__fa_emu_forward(float *out, float *lse, const float *qkv, int B, int T, int NH,
                                                  int NKV, int D, int bf16) {
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC, group = NH / NKV;
    const float sl2 = LLM__LOG2E / sqrtf((float)D);
    float s[LLM__FA_BN], o[256];
    int b, h, q0, r, k0, j, d;
    for (b = 0; b < B; b++)
        for (h = 0; h < NH; h++)
            for (q0 = 0; q0 < T; q0 += LLM__FA_BM)
                for (r = q0; r < q0 + LLM__FA_BM && r < T; r++) {   /* a row of the tile */
                    const float *q = qkv + ((size_t)b * T + r) * QKV + (size_t)h * D;
                    const float *K = qkv + (size_t)b * T * QKV + C + (size_t)(h / group) * D, *V = K + kvC;
                    float m = -INFINITY, l = 0;
                    for (d = 0; d < D; d++) o[d] = 0;
                    for (k0 = 0; k0 <= q0; k0 += LLM__FA_BN) {   /* key tiles to the diagonal */
                        float mx = m, c;
                        for (j = 0; j < LLM__FA_BN; j++) {
                            s[j] = k0 + j <= r ? llm__fa_dot(q, K + (size_t)(k0 + j) * QKV, D, bf16) * sl2 : -INFINITY;
                            if (s[j] > mx) mx = s[j];
                        }
                        c = exp2f(m - mx);
                        l *= c;
                        for (d = 0; d < D; d++) o[d] *= c;
                        for (j = 0; j < LLM__FA_BN && k0 + j <= r; j++) {
                            const float *v = V + (size_t)(k0 + j) * QKV;
                            const float p = exp2f(s[j] - mx), pr = llm__fa_r(p, bf16);
                            l += p;
                            for (d = 0; d < D; d++) o[d] += pr * llm__fa_r(v[d], bf16);
                        }
                        m = mx;
                    }
                    for (d = 0; d < D; d++) out[((size_t)b * T + r) * C + (size_t)h * D + d] = o[d] / l;
                    lse[((size_t)b * NH + h) * T + r] = (m + log2f(l)) * LLM__LN2;
                }
}

/* dqkv (B, T, QKV) written from dout (B, T, C), the forward's out and lse */
LLM__MAYBE_UNUSED static void llm__fa_emu_backward(float *dqkv, const float *dout, const float *qkv, const float *out,
                                 const float *lse, int B, int T, int NH, int NKV, int D, int bf16) {
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC, group = NH / NKV;
    const float scale = 1.0f / sqrtf((float)D), sl2 = scale * LLM__LOG2E;
    int b, h, kh, g, k0, q0, i, j, d;
#define LLM__FA_ROWD(b_, h_, i_) llm__fa_dot(dout + ((size_t)(b_) * T + (i_)) * C + (size_t)(h_) * D, \
                                             out + ((size_t)(b_) * T + (i_)) * C + (size_t)(h_) * D, D, 0)
    /* dK, dV: per (b, kv head, key tile); over the group's heads, query chunks of BWD_M */
    for (b = 0; b < B; b++)
        for (kh = 0; kh < NKV; kh++)
            for (k0 = 0; k0 < T; k0 += LLM__FA_BN)
                for (j = k0; j < k0 + LLM__FA_BN && j < T; j++) {
                    const float *k = qkv + ((size_t)b * T + j) * QKV + C + (size_t)kh * D, *v = k + kvC;
                    float *dk = dqkv + ((size_t)b * T + j) * QKV + C + (size_t)kh * D, *dv = dk + kvC;
                    for (d = 0; d < D; d++) { dk[d] = 0; dv[d] = 0; }
                    for (g = 0; g < group; g++) {
                        h = kh * group + g;
                        for (q0 = k0; q0 < T; q0 += LLM__FA_BWD_M)
                            for (i = LLM__MAX(q0, j); i < q0 + LLM__FA_BWD_M && i < T; i++) {
                                const float *q = qkv + ((size_t)b * T + i) * QKV + (size_t)h * D;
                                const float *dO = dout + ((size_t)b * T + i) * C + (size_t)h * D;
                                const float L2 = lse[((size_t)b * NH + h) * T + i] * LLM__LOG2E;
                                const float p = exp2f(llm__fa_dot(q, k, D, bf16) * sl2 - L2);
                                const float ds = p * (llm__fa_dot(dO, v, D, bf16) - LLM__FA_ROWD(b, h, i)) * scale;
                                const float pr = llm__fa_r(p, bf16), dsr = llm__fa_r(ds, bf16);
                                for (d = 0; d < D; d++) {
                                    dv[d] += pr * llm__fa_r(dO[d], bf16);
                                    dk[d] += dsr * llm__fa_r(q[d], bf16);
                                }
                            }
                    }
                }
    /* dQ: per (b, head, query tile), over the key tiles to the diagonal */
    for (b = 0; b < B; b++)
        for (h = 0; h < NH; h++)
            for (i = 0; i < T; i++) {
                const float *q = qkv + ((size_t)b * T + i) * QKV + (size_t)h * D;
                const float *dO = dout + ((size_t)b * T + i) * C + (size_t)h * D;
                const float L2 = lse[((size_t)b * NH + h) * T + i] * LLM__LOG2E, Di = LLM__FA_ROWD(b, h, i);
                float *dq = dqkv + ((size_t)b * T + i) * QKV + (size_t)h * D;
                for (d = 0; d < D; d++) dq[d] = 0;
                for (j = 0; j <= i; j++) {
                    const float *k = qkv + ((size_t)b * T + j) * QKV + C + (size_t)(h / group) * D, *v = k + kvC;
                    const float p = exp2f(llm__fa_dot(q, k, D, bf16) * sl2 - L2);
                    const float ds = llm__fa_r(p * (llm__fa_dot(dO, v, D, bf16) - Di) * scale, bf16);
                    for (d = 0; d < D; d++) dq[d] += ds * llm__fa_r(k[d], bf16);
                }
            }
#undef LLM__FA_ROWD
}
#endif /* LLM_IMPLEMENTATION */

#if defined(LLM_CUDA) && defined(LLM_IMPLEMENTATION) && !defined(LLM__CUDA_DONE)
#define LLM__CUDA_DONE
#if !defined(__CUDACC__)
#error "llm_cuda.h: the CUDA backend must be compiled by nvcc (nvcc -DLLM_CUDA -x cu prog.c -lcublas)"
#endif
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cublas_v2.h>

/* =========================================================================================
   >>cuda_state: one per trainer or session (x->dev). Work goes to the context's stream in
   order; the first failure is kept (err, msg) and every later op does nothing, so a failed
   step never runs on half-made data. check() reports it.
   ========================================================================================= */
#define LLM__CU_ROWS_PER_CHUNK 256   /* rows per partial sum of a column reduction */
#define LLM__CU_DEC_SPLITS 64        /* at most (rows x splits) partials in a decode attention */

typedef struct llm__cu {
    cudaStream_t stream;
    cublasHandle_t blas;
    int dev;                          /* the CUDA device */
    int bf16;                         /* bf16 matmul and attention inputs */
    llm__ctx_info info;
    llm_status err;                   /* the first error, and its message */
    char msg[200];
    /* scratch, sized at init from info */
    __nv_bfloat16 *sa, *sb;           /* (max_rows * max_cols) bf16 copies of matmul inputs */
    size_t sab;                       /* elements in each */
    float *red;                       /* column-reduction partials: 2 x nchunks x max_cols */
    size_t red_n;
    float *att;                       /* attention: D = rowsum(dO O) (B, NH, T), decode partials */
    size_t att_n;
    double *dsum;                     /* sum-of-squares partials; the last one is the total */
    size_t dsum_n;
    int32_t *di, *hi;                 /* device / host ints: argmax, embedding index lists */
    size_t di_n;
    /* the bf16 copy of the parameters the matmuls read (set_params) */
    const float *pbase;
    size_t pn;
    __nv_bfloat16 *pbf;
    unsigned long long seed;          /* stochastic rounding: advanced by every AdamW update */
    llm_allocator alloc;
} llm__cu;

static llm__cu *llm__cud(const llm__ctx *x) { return (llm__cu *)x->dev; }

static void llm__cu_fail(llm__cu *d, llm_status st, const char *what, const char *why) {
    if (!d || d->err != LLM_OK) return;
    d->err = st;
    snprintf(d->msg, sizeof d->msg, "%s: %s", what, why);
}
/* 1 when e is success, else records it (the first error wins) */
static int llm__cu_ok(llm__cu *d, cudaError_t e, const char *what) {
    if (e == cudaSuccess) return 1;
    llm__cu_fail(d, LLM_ERR_CUDA, what, cudaGetErrorString(e));
    (void)cudaGetLastError();   /* recorded here: the next context on this thread starts clean */
    return 0;
}
static int llm__cu_blas_ok(llm__cu *d, cublasStatus_t e, const char *what) {
    if (e == CUBLAS_STATUS_SUCCESS) return 1;
#if CUBLAS_VER_MAJOR > 11 || (CUBLAS_VER_MAJOR == 11 && CUBLAS_VER_MINOR >= 4)
    llm__cu_fail(d, LLM_ERR_CUDA, what, cublasGetStatusString(e));
#else
    llm__cu_fail(d, LLM_ERR_CUDA, what, "cuBLAS error");
#endif
    return 0;
}
/* after a kernel launch: a bad configuration shows up here, a fault at the next sync */
static void llm__cu_launched(llm__cu *d, const char *kernel) { llm__cu_ok(d, cudaGetLastError(), kernel); }
/* the context can take work */
static llm__cu *llm__cu_live(const llm__ctx *x) {
    llm__cu *d = llm__cud(x);
    return d && d->err == LLM_OK ? d : NULL;
}
static unsigned llm__cu_grid(size_t n, int threads) {
    size_t g = (n + (size_t)threads - 1) / (size_t)threads;
    return (unsigned)(g < 1 ? 1 : g > 65535u * 32u ? 65535u * 32u : g);   /* grid-stride loops do the rest */
}
/* blocks of 4 warps for one warp per row (no cap: those kernels have no grid-stride loop) */
static unsigned llm__cu_rows4(size_t rows) { return (unsigned)((rows + 3) / 4 > 0 ? (rows + 3) / 4 : 1); }
#define LLM__CU_FOR(i, n) for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (size_t)gridDim.x * blockDim.x)

static llm_status llm__cu_check(const llm__ctx *x, char *msg, size_t cap) {
    llm__cu *d = llm__cud(x);
    cudaError_t e;
    if (!d) { snprintf(msg, cap, "no CUDA context"); return LLM_ERR_OUT_OF_MEMORY; }
    if (d->err == LLM_OK) {   /* a fault of earlier work, without waiting for it */
        e = cudaStreamQuery(d->stream);
        if (e != cudaSuccess && e != cudaErrorNotReady) llm__cu_ok(d, e, "a kernel");
    }
    if (d->err != LLM_OK) snprintf(msg, cap, "%s", d->msg);
    return d->err;
}

/* =========================================================================================
   >>cuda_memory: device buffers are zeroed when made; upload and download wait for the
   stream, so the host sees finished work and may reuse its buffer at once.
   ========================================================================================= */
static void *llm__cu_alloc(const llm__ctx *x, size_t bytes) {
    llm__cu *d = llm__cu_live(x);
    void *p = NULL;
    cudaError_t e;
    if (!d) return NULL;
    e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e == cudaErrorMemoryAllocation) { (void)cudaGetLastError(); return NULL; }   /* out of memory */
    if (!llm__cu_ok(d, e, "cudaMalloc")) return NULL;
    if (!llm__cu_ok(d, cudaMemsetAsync(p, 0, bytes ? bytes : 1, d->stream), "cudaMemsetAsync")) {
        cudaFree(p);
        return NULL;
    }
    return p;
}
static void llm__cu_free(const llm__ctx *x, void *p) {
    LLM__UNUSED(x);
    if (p) cudaFree(p);   /* cudaFree waits for the work that may still use p */
}
static void llm__cu_upload(const llm__ctx *x, void *dst, const void *src, size_t bytes) {
    llm__cu *d = llm__cu_live(x);
    if (!d || !bytes) return;
    if (llm__cu_ok(d, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, d->stream), "upload"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "upload");
}
static void llm__cu_download(const llm__ctx *x, void *dst, const void *src, size_t bytes) {
    llm__cu *d = llm__cu_live(x);
    if (!d) { if (bytes) memset(dst, 0xff, bytes); return; }   /* NaN: a failed context reads as garbage */
    if (!bytes) return;
    if (llm__cu_ok(d, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, d->stream), "download"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "download");
    if (d->err != LLM_OK) memset(dst, 0xff, bytes);
}
/* memmove semantics: overlapping ranges go through a temporary buffer */
static void llm__cu_copy(const llm__ctx *x, void *dst, const void *src, size_t bytes) {
    llm__cu *d = llm__cu_live(x);
    const char *a = (const char *)dst, *b = (const char *)src;
    void *tmp = NULL;
    if (!d || !bytes || dst == src) return;
    if (a + bytes <= b || b + bytes <= a) {
        llm__cu_ok(d, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, d->stream), "copy");
        return;
    }
    if (!llm__cu_ok(d, cudaMallocAsync(&tmp, bytes, d->stream), "copy (temporary)")) return;
    llm__cu_ok(d, cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, d->stream), "copy");
    llm__cu_ok(d, cudaMemcpyAsync(dst, tmp, bytes, cudaMemcpyDeviceToDevice, d->stream), "copy");
    llm__cu_ok(d, cudaFreeAsync(tmp, d->stream), "copy (temporary)");
}
static void llm__cu_zero(const llm__ctx *x, void *p, size_t bytes) {
    llm__cu *d = llm__cu_live(x);
    if (d && bytes) llm__cu_ok(d, cudaMemsetAsync(p, 0, bytes, d->stream), "zero");
}

/* =========================================================================================
   >>cuda_kernels: the ops that are not matmuls or attention, each next to its launcher.
   Reductions are deterministic: fixed partitions summed in a fixed order, never atomics.
   ========================================================================================= */
__device__ __forceinline__ float llm__cu_wsum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float llm__cu_wmax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* ---- embedding: out[r] = wte[tok[r]] + wpe[pos0 + r % T] ---- */
__global__ void llm__k_embed_fwd(float *out, const int32_t *tok, const float *wte, const float *wpe, size_t N, int T,
                                 int pos0, int C) {
    LLM__CU_FOR(i, N * (size_t)C) {
        const size_t r = i / (size_t)C, c = i % (size_t)C;
        float v = wte[(size_t)tok[r] * C + c];
        if (wpe) v += wpe[(size_t)(pos0 + (int)(r % (size_t)T)) * C + c];
        out[i] = v;
    }
}
static void llm__cu_embed_fwd(const llm__ctx *x, float *out, const int32_t *tok, const float *wte, const float *wpe,
                              size_t N, int T, int pos0, int C) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_embed_fwd<<<llm__cu_grid(N * C, 256), 256, 0, d->stream>>>(out, tok, wte, wpe, N, T, pos0, C);
    llm__cu_launched(d, "embed_fwd");
}
/* dwte rows: the rows of each token, listed in order (ord[seg[u]] .. ord[seg[u+1]-1] have
   token utok[u]), summed in that order by one thread per column */
__global__ void llm__k_embed_bwd_wte(float *dwte, const float *dout, const int32_t *ord, const int32_t *seg,
                                     const int32_t *utok, int C) {
    const int u = blockIdx.x, c = blockIdx.y * blockDim.x + threadIdx.x;   /* (tokens on x: no 65535 limit) */
    float s = 0;
    if (c >= C) return;
    for (int k = seg[u]; k < seg[u + 1]; k++) s += dout[(size_t)ord[k] * C + c];
    dwte[(size_t)utok[u] * C + c] += s;
}
/* dwpe[t] += the sequences' rows t, summed in order */
__global__ void llm__k_embed_bwd_wpe(float *dwpe, const float *dout, size_t N, int T, int C) {
    LLM__CU_FOR(i, (size_t)T * C) {
        const size_t t = i / (size_t)C, c = i % (size_t)C;
        float s = 0;
        for (size_t r = t; r < N; r += (size_t)T) s += dout[r * C + c];
        dwpe[i] += s;
    }
}
static void llm__cu_embed_bwd(const llm__ctx *x, float *dwte, float *dwpe, const float *dout, const int32_t *tok,
                              size_t N, int T, int C) {
    llm__cu *d = llm__cu_live(x);
    int32_t *h, *ord, *seg, *utok, *cnt;
    size_t r, V = d ? d->info.max_cols : 0;
    int u = 0, U;
    if (!d) return;
    if (N * 4 + V + 2 > d->di_n) {
        llm__cu_fail(d, LLM_ERR_INVALID_ARG, "embed_bwd", "more rows than the context's");
        return;
    }
    /* bucket the rows by token on the host (a counting sort keeps each token's rows in order) */
    h = d->hi; ord = h + N; seg = ord + N; utok = seg + N + 1; cnt = utok + N;
    if (!llm__cu_ok(d, cudaMemcpyAsync(h, tok, N * sizeof(int32_t), cudaMemcpyDeviceToHost, d->stream), "embed_bwd") ||
        !llm__cu_ok(d, cudaStreamSynchronize(d->stream), "embed_bwd"))
        return;
    memset(cnt, 0, (V + 1) * sizeof(int32_t));
    for (r = 0; r < N; r++) {
        if (h[r] < 0 || (size_t)h[r] >= V) {
            llm__cu_fail(d, LLM_ERR_OUT_OF_RANGE, "embed_bwd", "token id out of range");
            return;
        }
        cnt[h[r] + 1]++;
    }
    for (r = 0; r < V; r++) {   /* cnt[v] = first slot of token v; the tokens present, in order */
        if (cnt[r + 1]) { utok[u] = (int32_t)r; seg[u] = cnt[r]; u++; }
        cnt[r + 1] += cnt[r];
    }
    U = u;
    seg[U] = (int32_t)N;
    for (r = 0; r < N; r++) ord[cnt[h[r]]++] = (int32_t)r;
    /* ord, seg, utok are contiguous on the host: one upload */
    if (!llm__cu_ok(d, cudaMemcpyAsync(d->di, ord, (3 * N + 1) * sizeof(int32_t), cudaMemcpyHostToDevice, d->stream),
                    "embed_bwd") ||
        !llm__cu_ok(d, cudaStreamSynchronize(d->stream), "embed_bwd"))
        return;
    if (U > 0) {
        dim3 grid((unsigned)U, (unsigned)((C + 127) / 128));
        llm__k_embed_bwd_wte<<<grid, 128, 0, d->stream>>>(dwte, dout, d->di, d->di + N, d->di + 2 * N + 1, C);
        llm__cu_launched(d, "embed_bwd");
    }
    if (dwpe) {
        llm__k_embed_bwd_wpe<<<llm__cu_grid((size_t)T * C, 256), 256, 0, d->stream>>>(dwpe, dout, N, T, C);
        llm__cu_launched(d, "embed_bwd");
    }
}

/* ---- LayerNorm / RMSNorm: one warp per row ---- */
__global__ void llm__k_norm_fwd(float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
                                int N, int C, float eps, int rms) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    const float *xr;
    float *y, m = 0, v = 0, rs;
    if (row >= N) return;
    xr = inp + (size_t)row * C; y = out + (size_t)row * C;
    if (!rms) {
        for (int i = lane; i < C; i += 32) m += xr[i];
        m = llm__cu_wsum(m) / (float)C;
    }
    for (int i = lane; i < C; i += 32) { float t = xr[i] - m; v += t * t; }
    rs = 1.0f / sqrtf(llm__cu_wsum(v) / (float)C + eps);
    for (int i = lane; i < C; i += 32) y[i] = (xr[i] - m) * rs * w[i] + (b ? b[i] : 0.0f);
    if (lane == 0) { if (mean && !rms) mean[row] = m; rstd[row] = rs; }
}
/* res = a + b, then the norm of res; res may be a, out may be b (each lane keeps to its own
   columns through all three passes) */
__global__ void llm__k_add_norm(float *res, float *out, float *mean, float *rstd, const float *a, const float *b,
                                const float *w, const float *bias, int N, int C, float eps, int rms) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    const size_t o = (size_t)row * C;
    float m = 0, v = 0, rs;
    if (row >= N) return;
    for (int i = lane; i < C; i += 32) { float t = a[o + i] + b[o + i]; res[o + i] = t; m += t; }
    m = rms ? 0.0f : llm__cu_wsum(m) / (float)C;
    for (int i = lane; i < C; i += 32) { float t = res[o + i] - m; v += t * t; }
    rs = 1.0f / sqrtf(llm__cu_wsum(v) / (float)C + eps);
    for (int i = lane; i < C; i += 32) out[o + i] = (res[o + i] - m) * rs * w[i] + (bias ? bias[i] : 0.0f);
    if (lane == 0) { if (mean && !rms) mean[row] = m; rstd[row] = rs; }
}
/* dinp += d norm / d inp (one warp per row) */
__global__ void llm__k_norm_bwd_rows(float *dinp, const float *dout, const float *inp, const float *w,
                                     const float *mean, const float *rstd, int N, int C, int rms) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    const size_t o = (size_t)row * C;
    float m, rs, dm = 0, dnm = 0;
    if (row >= N) return;
    m = rms ? 0.0f : mean[row]; rs = rstd[row];
    for (int i = lane; i < C; i += 32) {
        const float nrm = (inp[o + i] - m) * rs, dn = dout[o + i] * w[i];
        dm += dn; dnm += dn * nrm;
    }
    dm = rms ? 0.0f : llm__cu_wsum(dm) / (float)C;
    dnm = llm__cu_wsum(dnm) / (float)C;
    for (int i = lane; i < C; i += 32) {
        const float nrm = (inp[o + i] - m) * rs, dn = dout[o + i] * w[i];
        dinp[o + i] += (dn - dm - nrm * dnm) * rs;
    }
}
/* Column sums in two deterministic steps: partials over chunks of LLM__CU_ROWS_PER_CHUNK
   rows (block (32, 8): 32 columns, 8 row lanes summed in order), then one thread per column
   adds its chunks in order. mode 0: p0 = sum dout (a bias gradient); mode 1: p0 = sum
   dout * norm(inp), p1 = sum dout (a norm's weight and bias gradients). */
__global__ void llm__k_cols_part(float *p0, float *p1, const float *dout, const float *inp, const float *mean,
                                 const float *rstd, int N, int C, int mode, int rms) {
    __shared__ float sh[2][8][33];
    const int c = blockIdx.y * 32 + threadIdx.x, ty = threadIdx.y, chunk = blockIdx.x;
    const int r0 = chunk * LLM__CU_ROWS_PER_CHUNK, r1 = min(N, r0 + LLM__CU_ROWS_PER_CHUNK);
    float s0 = 0, s1 = 0;
    if (c < C)
        for (int r = r0 + ty; r < r1; r += 8) {
            const float dy = dout[(size_t)r * C + c];
            if (mode == 0) { s0 += dy; continue; }
            s0 += dy * ((inp[(size_t)r * C + c] - (rms ? 0.0f : mean[r])) * rstd[r]);
            s1 += dy;
        }
    sh[0][ty][threadIdx.x] = s0; sh[1][ty][threadIdx.x] = s1;
    __syncthreads();
    if (ty == 0 && c < C) {
        float a = 0, b = 0;
        for (int k = 0; k < 8; k++) { a += sh[0][k][threadIdx.x]; b += sh[1][k][threadIdx.x]; }
        p0[(size_t)chunk * C + c] = a;
        if (p1) p1[(size_t)chunk * C + c] = b;
    }
}
__global__ void llm__k_cols_finish(float *dst, const float *part, int nchunks, int C) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    float s = 0;
    if (c >= C) return;
    for (int k = 0; k < nchunks; k++) s += part[(size_t)k * C + c];
    dst[c] += s;
}
/* dst0 += column sums (mode 0), or dst0 += sum dout * norm, dst1 += sum dout (mode 1) */
static void llm__cu_colsum(llm__cu *d, float *dst0, float *dst1, const float *dout, const float *inp, const float *mean,
                           const float *rstd, size_t N, int C, int mode, int rms) {
    const int nch = (int)((N + LLM__CU_ROWS_PER_CHUNK - 1) / LLM__CU_ROWS_PER_CHUNK);
    float *p0 = d->red, *p1 = d->red + (size_t)nch * C;
    dim3 grid((unsigned)nch, (unsigned)((C + 31) / 32)), block(32, 8);   /* chunks on x: no 65535 limit */
    if (2 * (size_t)nch * C > d->red_n) {
        llm__cu_fail(d, LLM_ERR_INVALID_ARG, "column sum", "larger than the context's");
        return;
    }
    llm__k_cols_part<<<grid, block, 0, d->stream>>>(p0, dst1 ? p1 : NULL, dout, inp, mean, rstd, (int)N, C, mode, rms);
    llm__k_cols_finish<<<(C + 255) / 256, 256, 0, d->stream>>>(dst0, p0, nch, C);
    if (dst1) llm__k_cols_finish<<<(C + 255) / 256, 256, 0, d->stream>>>(dst1, p1, nch, C);
    llm__cu_launched(d, "column sum");
}
static void llm__cu_norm_fwd(const llm__ctx *x, float *out, float *mean, float *rstd, const float *inp, const float *w,
                             const float *b, size_t N, int C, float eps, int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_norm_fwd<<<(unsigned)((N + 7) / 8), 256, 0, d->stream>>>(out, mean, rstd, inp, w, b, (int)N, C, eps, rms);
    llm__cu_launched(d, "norm_fwd");
}
static void llm__cu_add_norm(const llm__ctx *x, float *res, float *out, float *mean, float *rstd, const float *a,
                             const float *b, const float *w, const float *bias, size_t N, int C, float eps, int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_add_norm<<<(unsigned)((N + 7) / 8), 256, 0, d->stream>>>(res, out, mean, rstd, a, b, w, bias, (int)N, C,
                                                                    eps, rms);
    llm__cu_launched(d, "add_norm");
}
static void llm__cu_norm_bwd(const llm__ctx *x, float *dinp, float *dw, float *db, const float *dout, const float *inp,
                             const float *w, const float *mean, const float *rstd, size_t N, int C, int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_norm_bwd_rows<<<(unsigned)((N + 7) / 8), 256, 0, d->stream>>>(dinp, dout, inp, w, mean, rstd, (int)N, C,
                                                                         rms);
    llm__cu_launched(d, "norm_bwd");
    llm__cu_colsum(d, dw, db, dout, inp, mean, rstd, N, C, 1, rms);
}

/* ---- RoPE, GELU, SwiGLU, add: one thread per element (pair for RoPE) ---- */
__global__ void llm__k_rope(float *buf, const float *cosv, const float *sinv, size_t N, int T, int n_heads, int stride,
                            int hs, float dir) {
    const int half = hs / 2;
    LLM__CU_FOR(k, N * (size_t)n_heads * half) {
        const size_t r = k / ((size_t)n_heads * half);
        const int h = (int)(k / half % n_heads), i = (int)(k % half);
        const size_t tr = (r % (size_t)T) * half + i;
        float *v = buf + r * stride + (size_t)h * hs + 2 * i;
        const float c = cosv[tr], s = dir * sinv[tr], x0 = v[0], x1 = v[1];
        v[0] = x0 * c - x1 * s;
        v[1] = x0 * s + x1 * c;
    }
}
static void llm__cu_rope(const llm__ctx *x, float *buf, const float *cosv, const float *sinv, size_t N, int T,
                         int n_heads, int stride, int hs, int dir) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_rope<<<llm__cu_grid(N * n_heads * (hs / 2), 256), 256, 0, d->stream>>>(buf, cosv, sinv, N, T, n_heads,
                                                                                  stride, hs, (float)dir);
    llm__cu_launched(d, "rope");
}
#define LLM__CU_GELU_K 0.7978845608028654f
__global__ void llm__k_gelu_fwd(float *out, const float *inp, size_t n) {
    LLM__CU_FOR(i, n) {
        const float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanhf(LLM__CU_GELU_K * (x + 0.044715f * x * x * x)));
    }
}
__global__ void llm__k_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n) {
    LLM__CU_FOR(i, n) {
        const float x = inp[i], th = tanhf(LLM__CU_GELU_K * (x + 0.044715f * x * x * x));
        const float g =
            0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * LLM__CU_GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] = g * dout[i];
    }
}
__global__ void llm__k_swiglu_fwd(float *out, const float *inp, size_t N, int H) {
    LLM__CU_FOR(i, N * (size_t)H) {
        const size_t r = i / (size_t)H, j = i % (size_t)H;
        const float g = inp[r * 2 * H + j], u = inp[r * 2 * H + H + j];
        out[i] = g / (1.0f + expf(-g)) * u;
    }
}
__global__ void llm__k_swiglu_bwd(float *dinp, const float *inp, const float *dout, size_t N, int H) {
    LLM__CU_FOR(i, N * (size_t)H) {
        const size_t r = i / (size_t)H, j = i % (size_t)H;
        const float g = inp[r * 2 * H + j], u = inp[r * 2 * H + H + j], dy = dout[i];
        const float sig = 1.0f / (1.0f + expf(-g));
        dinp[r * 2 * H + j] = dy * u * sig * (1.0f + g * (1.0f - sig));
        dinp[r * 2 * H + H + j] = dy * g * sig;
    }
}
__global__ void llm__k_add(float *out, const float *a, const float *b, size_t n) {
    LLM__CU_FOR(i, n) out[i] = a[i] + b[i];
}
static void llm__cu_gelu_fwd(const llm__ctx *x, float *out, const float *inp, size_t n) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_gelu_fwd<<<llm__cu_grid(n, 256), 256, 0, d->stream>>>(out, inp, n);
    llm__cu_launched(d, "gelu_fwd");
}
static void llm__cu_gelu_bwd(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t n) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_gelu_bwd<<<llm__cu_grid(n, 256), 256, 0, d->stream>>>(dinp, inp, dout, n);
    llm__cu_launched(d, "gelu_bwd");
}
static void llm__cu_swiglu_fwd(const llm__ctx *x, float *out, const float *inp, size_t N, int H) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_swiglu_fwd<<<llm__cu_grid(N * H, 256), 256, 0, d->stream>>>(out, inp, N, H);
    llm__cu_launched(d, "swiglu_fwd");
}
static void llm__cu_swiglu_bwd(const llm__ctx *x, float *dinp, const float *inp, const float *dout, size_t N, int H) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_swiglu_bwd<<<llm__cu_grid(N * H, 256), 256, 0, d->stream>>>(dinp, inp, dout, N, H);
    llm__cu_launched(d, "swiglu_bwd");
}
static void llm__cu_add(const llm__ctx *x, float *out, const float *a, const float *b, size_t n) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_add<<<llm__cu_grid(n, 256), 256, 0, d->stream>>>(out, a, b, n);
    llm__cu_launched(d, "add");
}

/* ---- cross-entropy: one block per row. A first pass keeps a running max and sum of
   exp(x - max) per thread, merged in a fixed tree; the fused kernel then writes the
   gradient (softmax - onehot) * dloss over the logits in a second pass. ---- */
__device__ void llm__cu_row_lse(const float *xr, int V, float *lse_out) {
    __shared__ float shm[32], shs[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    float m = -INFINITY, s = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) {
        const float v = xr[i];
        if (v > m) { s = s * expf(m - v) + 1.0f; m = v; }
        else if (v != -INFINITY) s += expf(v - m);   /* (-inf adds nothing, and -inf - -inf is NaN) */
    }
    for (int o = 16; o > 0; o >>= 1) {   /* merge (m, s) pairs across the warp */
        const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        const float mm = fmaxf(m, m2);
        s = (mm == -INFINITY) ? 0.0f : s * expf(m - mm) + s2 * expf(m2 - mm);
        m = mm;
    }
    if (lane == 0) { shm[warp] = m; shs[warp] = s; }
    __syncthreads();
    if (warp == 0) {
        m = lane < nw ? shm[lane] : -INFINITY; s = lane < nw ? shs[lane] : 0.0f;
        for (int o = 16; o > 0; o >>= 1) {
            const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
            const float mm = fmaxf(m, m2);
            s = (mm == -INFINITY) ? 0.0f : s * expf(m - mm) + s2 * expf(m2 - mm);
            m = mm;
        }
        if (lane == 0) shm[0] = m + logf(s);
    }
    __syncthreads();
    *lse_out = shm[0];
}
/* mode bit 1: losses and lse; bit 2: the gradient (from lse, given or just computed) */
__global__ void llm__k_ce(float *losses, float *lse, float *logits, const int32_t *targets, int V, int ld, float dloss,
                          int mode) {
    const size_t r = blockIdx.x;
    float *xr = logits + r * (size_t)ld, l;
    const int tg = targets[r];
    if (mode & 1) {
        llm__cu_row_lse(xr, V, &l);
        if (threadIdx.x == 0) { lse[r] = l; if (losses) losses[r] = tg < 0 ? 0.0f : l - xr[tg]; }
        __syncthreads();   /* xr[tg] is read before the gradient overwrites it */
    } else {
        l = lse[r];
    }
    if (mode & 2)   /* (a target of LLM_TARGET_IGNORE: no gradient) */
        for (int i = threadIdx.x; i < V; i += blockDim.x)
            xr[i] = tg < 0 ? 0.0f : (expf(xr[i] - l) - (i == tg ? 1.0f : 0.0f)) * dloss;
}
static void llm__cu_ce_launch(const llm__ctx *x, float *losses, float *lse, float *logits, const int32_t *targets,
                              size_t N, int V, int ld, float dloss, int mode) {
    llm__cu *d = llm__cu_live(x);
    if (!d || !N) return;
    llm__k_ce<<<(unsigned)N, 512, 0, d->stream>>>(losses, lse, logits, targets, V, ld, dloss, mode);
    llm__cu_launched(d, "crossentropy");
}
static void llm__cu_ce_fwd(const llm__ctx *x, float *losses, float *lse, const float *logits, const int32_t *targets,
                           size_t N, int V, int ld) {
    llm__cu_ce_launch(x, losses, lse, (float *)(uintptr_t)logits, targets, N, V, ld, 0.0f, 1);
}
static void llm__cu_ce_bwd(const llm__ctx *x, float *logits, const float *lse, const int32_t *targets, size_t N, int V,
                           int ld, float dloss) {
    llm__cu_ce_launch(x, NULL, (float *)(uintptr_t)lse, logits, targets, N, V, ld, dloss, 2);
}
static void llm__cu_ce_fused(const llm__ctx *x, float *losses, float *lse, float *logits, const int32_t *targets,
                             size_t N, int V, int ld, float dloss) {
    llm__cu_ce_launch(x, losses, lse, logits, targets, N, V, ld, dloss, 3);
}

/* ---- the sum of squares (the gradient norm): the CPU's chunks of LLM__NORM_CHUNK, each
   summed in double by a block in a fixed tree, then the chunks in order by one thread ---- */
__global__ void llm__k_sumsq_part(double *parts, const float *v, size_t n) {
    __shared__ double sh[256];
    const size_t s = (size_t)blockIdx.x * LLM__NORM_CHUNK, e = min(n, s + LLM__NORM_CHUNK);
    double acc = 0;
    for (size_t i = s + threadIdx.x; i < e; i += 256) acc += (double)v[i] * v[i];
    sh[threadIdx.x] = acc;
    __syncthreads();
    for (int w = 128; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) parts[blockIdx.x] = sh[0];
}
__global__ void llm__k_sumsq_total(double *parts, size_t nchunks) {
    double s = 0;
    for (size_t k = 0; k < nchunks; k++) s += parts[k];
    parts[nchunks] = s;
}
static int llm__cu_dsum_room(llm__cu *d, size_t n) {
    if (n <= d->dsum_n) return 1;
    if (d->dsum) cudaFree(d->dsum);
    d->dsum = NULL; d->dsum_n = 0;
    if (!llm__cu_ok(d, cudaMalloc(&d->dsum, n * sizeof(double)), "sumsq scratch")) return 0;
    d->dsum_n = n;
    return 1;
}
static double llm__cu_sumsq(const llm__ctx *x, const float *v, size_t n, double *parts) {
    llm__cu *d = llm__cu_live(x);
    const size_t nch = (n + LLM__NORM_CHUNK - 1) / LLM__NORM_CHUNK;
    double s = NAN;
    LLM__UNUSED(parts);
    if (!d || !n || !llm__cu_dsum_room(d, nch + 1)) return d && !n ? 0.0 : NAN;
    llm__k_sumsq_part<<<(unsigned)nch, 256, 0, d->stream>>>(d->dsum, v, n);
    llm__k_sumsq_total<<<1, 1, 0, d->stream>>>(d->dsum, nch);
    llm__cu_launched(d, "sumsq");
    if (llm__cu_ok(d, cudaMemcpyAsync(&s, d->dsum + nch, sizeof s, cudaMemcpyDeviceToHost, d->stream), "sumsq"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "sumsq");
    return d->err == LLM_OK ? s : NAN;
}

/* ---- AdamW (llm.h's >>adamw, the same expressions), one launch per tensor; the bf16 copy
   of each updated weight is written with stochastic rounding: the 16 bits dropped decide
   the rounding direction with their probability, so small updates survive on average ---- */
__device__ __forceinline__ uint32_t llm__cu_hash(uint64_t a) {
    uint32_t h = (uint32_t)a ^ (uint32_t)(a >> 32) * 0x9E3779B1u;
    h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13; h *= 0xC2B2AE35u; h ^= h >> 16;
    return h;
}
__device__ __forceinline__ __nv_bfloat16 llm__cu_bf16_sr(float f, uint32_t rnd) {
    uint32_t u = __float_as_uint(f);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + (rnd & 0xffffu)) & 0xffff0000u;
    else u &= 0xffff0000u;   /* Inf stays Inf; NaN keeps its high bits */
    return __ushort_as_bfloat16((unsigned short)(u >> 16));
}
__global__ void llm__k_adamw(float *p, float *g, float *m, float *v, __nv_bfloat16 *pb, size_t n, float decay,
                             float gscale, float b1, float b2, float eps, float step_size, float sbc2, uint64_t seed) {
    LLM__CU_FOR(i, n) {
        const float gi = g[i] * gscale, pi = p[i] * decay;
        const float mi = b1 * m[i] + (1.0f - b1) * gi, vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        const float pn = pi - step_size * mi / (sqrtf(vi) / sbc2 + eps);
        m[i] = mi; v[i] = vi; p[i] = pn; g[i] = 0.0f;
        if (pb) pb[i] = llm__cu_bf16_sr(pn, llm__cu_hash(seed + i));
    }
}
static void llm__cu_adamw(const llm__ctx *x, const llm__adamw_args *a) {
    llm__cu *d = llm__cu_live(x);
    const float step_size = a->lr / a->bc1, sbc2 = sqrtf(a->bc2);
    const int mirrored = d && d->pbf && a->params == d->pbase && a->n <= d->pn;
    int t;
    if (!d) return;
    d->seed += 0x9E3779B97F4A7C15ull;
    for (t = 0; t < a->n_tensors; t++) {
        const llm_tensor_info *ti = &a->tensors[t];
        const size_t o = ti->offset;
        if (o >= a->n || !ti->size) continue;
        llm__k_adamw<<<llm__cu_grid(ti->size, 256), 256, 0, d->stream>>>(
            a->params + o, a->grads + o, a->m + o, a->v + o, mirrored ? d->pbf + o : NULL, LLM__MIN(ti->size, a->n - o),
            ti->decay ? 1.0f - a->lr * a->weight_decay : 1.0f, a->grad_scale, a->beta1, a->beta2, a->eps, step_size,
            sbc2, d->seed + ((uint64_t)o << 20));
    }
    llm__cu_launched(d, "adamw");
}

/* ---- argmax (the first of equal maxima; -1 when a value is NaN or +Inf): one block; one
   id comes back ---- */
__global__ void llm__k_argmax(int32_t *out, const float *v, int n) {
    __shared__ float sv[1024];
    __shared__ int si[1024];
    float best = -INFINITY;
    int bi = 0x7fffffff, nf = 0, bad;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        if (v[i] > best) { best = v[i]; bi = i; }
        if (v[i] != v[i] || v[i] == INFINITY) nf = 1;
    }
    sv[threadIdx.x] = best; si[threadIdx.x] = bi;
    bad = __syncthreads_or(nf);   /* (also the barrier before the tree) */
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) {
            const float b2 = sv[threadIdx.x + w];
            const int i2 = si[threadIdx.x + w];
            if (b2 > sv[threadIdx.x] || (b2 == sv[threadIdx.x] && i2 < si[threadIdx.x])) {
                sv[threadIdx.x] = b2; si[threadIdx.x] = i2;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = bad ? -1 : si[0] == 0x7fffffff ? 0 : si[0];
}
static int32_t llm__cu_argmax(const llm__ctx *x, const float *v, int n) {
    llm__cu *d = llm__cu_live(x);
    int32_t r = -1;
    if (!d || n <= 0) return -1;
    llm__k_argmax<<<1, 1024, 0, d->stream>>>(d->di, v, n);
    llm__cu_launched(d, "argmax");
    if (llm__cu_ok(d, cudaMemcpyAsync(&r, d->di, sizeof r, cudaMemcpyDeviceToHost, d->stream), "argmax"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "argmax");
    return d->err == LLM_OK ? r : -1;
}

/* fp32 -> bf16, 4 at a time where the count allows */
__global__ void llm__k_to_bf16(__nv_bfloat16 *out, const float *in, size_t n) {
    const size_t n4 = n / 4;
    LLM__CU_FOR(i, n4) {
        const float4 f = reinterpret_cast<const float4 *>(in)[i];
        __nv_bfloat162 a = __floats2bfloat162_rn(f.x, f.y), b = __floats2bfloat162_rn(f.z, f.w);
        reinterpret_cast<__nv_bfloat162 *>(out)[2 * i] = a;
        reinterpret_cast<__nv_bfloat162 *>(out)[2 * i + 1] = b;
    }
    LLM__CU_FOR(j, n - n4 * 4) out[n4 * 4 + j] = __float2bfloat16_rn(in[n4 * 4 + j]);
}
__global__ void llm__k_to_bf16_1(__nv_bfloat16 *out, const float *in, size_t n) {
    LLM__CU_FOR(i, n) out[i] = __float2bfloat16_rn(in[i]);
}
static void llm__cu_to_bf16(llm__cu *d, __nv_bfloat16 *out, const float *in, size_t n) {
    if ((uintptr_t)in % 16 || (uintptr_t)out % 8)   /* unaligned: one at a time */
        llm__k_to_bf16_1<<<llm__cu_grid(n, 256), 256, 0, d->stream>>>(out, in, n);
    else
        llm__k_to_bf16<<<llm__cu_grid(n / 4 + 1, 256), 256, 0, d->stream>>>(out, in, n);
    llm__cu_launched(d, "to_bf16");
}

/* =========================================================================================
   >>cuda_matmul: out (N, OC) = inp (N, C) @ w (OC, C)^T + bias, through cuBLAS.
   cuBLAS is column-major: a row-major (R, S) matrix is its transpose there, so
       out^T (OC, N) = op_T(w as (C, OC)) . inp^T (C, N)              m=OC n=N k=C
       dinp^T (C, N) = w^T (C, OC) . dout^T (OC, N)                    m=C  n=N k=OC
       dw^T (C, OC) += inp^T (C, N) . op_T(dout^T as (OC, N))          m=C  n=OC k=N
   In bf16 mode the weights come from the bf16 copy of the parameters and the activations
   are converted into scratch, LLM__CU_CHUNK elements at a time (the rows go in chunks);
   accumulation and outputs stay fp32. A weight outside the parameters runs in fp32.
   ========================================================================================= */
#define LLM__CU_CHUNK ((size_t)1 << 26)   /* bf16 scratch elements, each of two buffers */

__global__ void llm__k_bias_rows(float *out, const float *bias, size_t N, int OC) {
    LLM__CU_FOR(i, N * (size_t)OC) out[i] = bias[i % (size_t)OC];
}
/* the bf16 copy of n weights at w, or NULL when w is not in the parameters */
static const __nv_bfloat16 *llm__cu_pbf(const llm__cu *d, const float *w, size_t n) {
    const uintptr_t a = (uintptr_t)w, lo = (uintptr_t)d->pbase, hi = lo + d->pn * sizeof(float);
    if (!d->pbf || a < lo || a + n * sizeof(float) > hi) return NULL;
    return d->pbf + (w - d->pbase);
}
/* C (m, n; ldc) = op(A) op(B) + beta C in cuBLAS's terms; A, B bf16 when bf16, else fp32 */
static void llm__cu_gemm(llm__cu *d, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const void *A,
                         int lda, const void *B, int ldb, float *C, int ldc, float beta, int bf16) {
    const float one = 1.0f;
    const cudaDataType_t t = bf16 ? CUDA_R_16BF : CUDA_R_32F;
    if (!m || !n) return;
    llm__cu_blas_ok(d, cublasGemmEx(d->blas, ta, tb, m, n, k, &one, A, t, lda, B, t, ldb, &beta, C, CUDA_R_32F, ldc,
                                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT), "cublasGemmEx");
}
/* rows per chunk so that rows x width bf16 values fit a scratch buffer */
static size_t llm__cu_rows_per(const llm__cu *d, int width) {
    const size_t r = d->sab / (size_t)(width > 0 ? width : 1);
    return r ? r : 1;
}
static void llm__cu_matmul_fwd(const llm__ctx *x, float *out, const float *inp, const float *w, const float *bias,
                               size_t N, int C, int OC) {
    llm__cu *d = llm__cu_live(x);
    const __nv_bfloat16 *w16;
    if (!d) return;
    if (bias) {
        llm__k_bias_rows<<<llm__cu_grid(N * OC, 256), 256, 0, d->stream>>>(out, bias, N, OC);
        llm__cu_launched(d, "matmul bias");
    }
    w16 = d->bf16 && d->sab >= (size_t)C ? llm__cu_pbf(d, w, (size_t)OC * C) : NULL;
    if (!w16) {
        llm__cu_gemm(d, CUBLAS_OP_T, CUBLAS_OP_N, OC, (int)N, C, w, C, inp, C, out, OC, bias ? 1.0f : 0.0f, 0);
        return;
    }
    for (size_t r0 = 0, per = llm__cu_rows_per(d, C); r0 < N; r0 += per) {
        const size_t nr = LLM__MIN(per, N - r0);
        llm__cu_to_bf16(d, d->sb, inp + r0 * C, nr * C);
        llm__cu_gemm(d, CUBLAS_OP_T, CUBLAS_OP_N, OC, (int)nr, C, w16, C, d->sb, C, out + r0 * OC, OC,
                     bias ? 1.0f : 0.0f, 1);
    }
}
static void llm__cu_matmul_bwd(const llm__ctx *x, float *dinp, float *dw, float *dbias, const float *dout,
                               const float *inp, const float *w, size_t N, int C, int OC) {
    llm__cu *d = llm__cu_live(x);
    const __nv_bfloat16 *w16;
    if (!d) return;
    w16 = d->bf16 && d->sab >= (size_t)LLM__MAX(C, OC) ? llm__cu_pbf(d, w, (size_t)OC * C) : NULL;
    if (!w16) {
        if (dinp) llm__cu_gemm(d, CUBLAS_OP_N, CUBLAS_OP_N, C, (int)N, OC, w, C, dout, OC, dinp, C, 0.0f, 0);
        llm__cu_gemm(d, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, (int)N, inp, C, dout, OC, dw, C, 1.0f, 0);
    } else {
        for (size_t r0 = 0, per = llm__cu_rows_per(d, LLM__MAX(C, OC)); r0 < N; r0 += per) {
            const size_t nr = LLM__MIN(per, N - r0);
            llm__cu_to_bf16(d, d->sb, dout + r0 * OC, nr * OC);
            if (dinp)
                llm__cu_gemm(d, CUBLAS_OP_N, CUBLAS_OP_N, C, (int)nr, OC, w16, C, d->sb, OC, dinp + r0 * C, C, 0.0f, 1);
            llm__cu_to_bf16(d, d->sa, inp + r0 * C, nr * C);
            llm__cu_gemm(d, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, (int)nr, d->sa, C, d->sb, OC, dw, C, 1.0f, 1);
        }
    }
    if (dbias) llm__cu_colsum(d, dbias, NULL, dout, NULL, NULL, NULL, N, OC, 0, 0);
}

/* the simple twins: one thread per output, fp32, in the CPU's order of terms */
__global__ void llm__k_ref_mm_fwd(float *out, const float *inp, const float *w, const float *bias, size_t N, int C,
                                  int OC) {
    LLM__CU_FOR(i, N * (size_t)OC) {
        const size_t r = i / (size_t)OC, o = i % (size_t)OC;
        float s = bias ? bias[o] : 0.0f;
        for (int c = 0; c < C; c++) s += inp[r * C + c] * w[o * C + c];
        out[i] = s;
    }
}
__global__ void llm__k_ref_mm_dinp(float *dinp, const float *dout, const float *w, size_t N, int C, int OC) {
    LLM__CU_FOR(i, N * (size_t)C) {
        const size_t r = i / (size_t)C, c = i % (size_t)C;
        float s = 0;
        for (int o = 0; o < OC; o++) s += dout[r * OC + o] * w[(size_t)o * C + c];
        dinp[i] = s;
    }
}
__global__ void llm__k_ref_mm_dw(float *dw, const float *dout, const float *inp, size_t N, int C, int OC) {
    LLM__CU_FOR(i, (size_t)OC * C) {
        const size_t o = i / (size_t)C, c = i % (size_t)C;
        float s = 0;
        for (size_t r = 0; r < N; r++) s += dout[r * OC + o] * inp[r * C + c];
        dw[i] += s;
    }
}
__global__ void llm__k_ref_colsum(float *dst, const float *dout, size_t N, int OC) {
    LLM__CU_FOR(o, (size_t)OC) {
        float s = 0;
        for (size_t r = 0; r < N; r++) s += dout[r * OC + o];
        dst[o] += s;
    }
}
static void llm__cu_ref_matmul_fwd(const llm__ctx *x, float *out, const float *inp, const float *w, const float *bias,
                                   size_t N, int C, int OC) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_ref_mm_fwd<<<llm__cu_grid(N * OC, 128), 128, 0, d->stream>>>(out, inp, w, bias, N, C, OC);
    llm__cu_launched(d, "ref matmul_fwd");
}
static void llm__cu_ref_matmul_bwd(const llm__ctx *x, float *dinp, float *dw, float *dbias, const float *dout,
                                   const float *inp, const float *w, size_t N, int C, int OC) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    if (dinp) llm__k_ref_mm_dinp<<<llm__cu_grid(N * C, 128), 128, 0, d->stream>>>(dinp, dout, w, N, C, OC);
    llm__k_ref_mm_dw<<<llm__cu_grid((size_t)OC * C, 128), 128, 0, d->stream>>>(dw, dout, inp, N, C, OC);
    if (dbias) llm__k_ref_colsum<<<llm__cu_grid(OC, 128), 128, 0, d->stream>>>(dbias, dout, N, OC);
    llm__cu_launched(d, "ref matmul_bwd");
}

/* =========================================================================================
   >>cuda_attention: qkv (B, T, QKV) as on the CPU: q heads at [0, C), k heads at [C, C+kvC),
   v heads at [C+kvC, QKV); out (B, T, C); lse (B, NH, T) natural log; query head h reads
   kv head h / (NH/NKV).
   ========================================================================================= */
#define LLM__CU_MAXHS 256   /* head dims the kernels take (8 values per lane of a warp) */

/* ---- the simple kernels (fp32; the FP32 mode's attention and the flash kernels'
   reference): one warp per query row (forward, dQ) or per key row (dK, dV), no shared
   memory, lane l holding dims l, l+32, ... ---- */
#define LLM__CU_LANES(stmt) _Pragma("unroll") for (int j_ = 0; j_ < LLM__CU_MAXHS / 32; j_++) { \
        const int dd = lane + 32 * j_; if (dd < hs) { stmt; } }
__global__ void llm__k_att_fwd_simple(float *out, float *lse, const float *qkv, int B, int T, int NH, int NKV, int hs) {
    const size_t row = (size_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);   /* (b, h, t) */
    const int lane = threadIdx.x & 31, C = NH * hs, kvC = NKV * hs, QKV = C + 2 * kvC;
    if (row >= (size_t)B * NH * T) return;
    const int t = (int)(row % T), h = (int)(row / T % NH), b = (int)(row / ((size_t)T * NH)), kh = h / (NH / NKV);
    const float *base = qkv + (size_t)b * T * QKV, *q = base + (size_t)t * QKV + (size_t)h * hs;
    const float scale = 1.0f / sqrtf((float)hs);
    float qr[LLM__CU_MAXHS / 32], o[LLM__CU_MAXHS / 32], m = -INFINITY, l = 0;
    LLM__CU_LANES(qr[j_] = q[dd]; o[j_] = 0.0f)
    for (int k = 0; k <= t; k++) {
        const float *kr = base + (size_t)k * QKV + C + (size_t)kh * hs, *vr = kr + kvC;
        float s = 0;
        LLM__CU_LANES(s += qr[j_] * kr[dd])
        s = llm__cu_wsum(s) * scale;
        const float mn = fmaxf(m, s), c = expf(m - mn), p = expf(s - mn);
        l = l * c + p;
        LLM__CU_LANES(o[j_] = o[j_] * c + p * vr[dd])
        m = mn;
    }
    float *orow = out + ((size_t)b * T + t) * C + (size_t)h * hs;
    LLM__CU_LANES(orow[dd] = o[j_] / l)
    if (lane == 0) lse[((size_t)b * NH + h) * T + t] = m + logf(l);
}
/* Dv (B, NH, T) = rowsum(dO * O), the backward's preprocess (both paths) */
__global__ void llm__k_att_rowdot(float *Dv, const float *dout, const float *o, int B, int T, int NH, int hs) {
    const size_t row = (size_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);   /* (b, h, t) */
    const int lane = threadIdx.x & 31;
    if (row >= (size_t)B * NH * T) return;
    const int t = (int)(row % T), h = (int)(row / T % NH), b = (int)(row / ((size_t)T * NH));
    const size_t ro = ((size_t)b * T + t) * NH * hs + (size_t)h * hs;
    float s = 0;
    for (int dd = lane; dd < hs; dd += 32) s += dout[ro + dd] * o[ro + dd];
    s = llm__cu_wsum(s);
    if (lane == 0) Dv[row] = s;
}
__global__ void llm__k_att_dq_simple(float *dqkv, const float *dout, const float *qkv, const float *lse,
                                     const float *Dv, int B, int T, int NH, int NKV, int hs) {
    const size_t row = (size_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);   /* (b, h, i) */
    const int lane = threadIdx.x & 31, C = NH * hs, kvC = NKV * hs, QKV = C + 2 * kvC;
    if (row >= (size_t)B * NH * T) return;
    const int i = (int)(row % T), h = (int)(row / T % NH), b = (int)(row / ((size_t)T * NH)), kh = h / (NH / NKV);
    const float *base = qkv + (size_t)b * T * QKV, *q = base + (size_t)i * QKV + (size_t)h * hs;
    const float *dO = dout + ((size_t)b * T + i) * C + (size_t)h * hs;
    const float scale = 1.0f / sqrtf((float)hs), L = lse[row], Di = Dv[row];
    float qr[LLM__CU_MAXHS / 32], orr[LLM__CU_MAXHS / 32], dq[LLM__CU_MAXHS / 32];
    LLM__CU_LANES(qr[j_] = q[dd]; orr[j_] = dO[dd]; dq[j_] = 0.0f)
    for (int k = 0; k <= i; k++) {
        const float *kr = base + (size_t)k * QKV + C + (size_t)kh * hs, *vr = kr + kvC;
        float s = 0, dp = 0;
        LLM__CU_LANES(s += qr[j_] * kr[dd]; dp += orr[j_] * vr[dd])
        s = llm__cu_wsum(s); dp = llm__cu_wsum(dp);
        const float p = expf(s * scale - L), ds = p * (dp - Di) * scale;
        LLM__CU_LANES(dq[j_] += ds * kr[dd])
    }
    float *dqr = dqkv + ((size_t)b * T + i) * QKV + (size_t)h * hs;
    LLM__CU_LANES(dqr[dd] = dq[j_])
}
__global__ void llm__k_att_dkv_simple(float *dqkv, const float *dout, const float *qkv, const float *lse,
                                      const float *Dv, int B, int T, int NH, int NKV, int hs) {
    const size_t row = (size_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);   /* (b, kh, j) */
    const int lane = threadIdx.x & 31, C = NH * hs, kvC = NKV * hs, QKV = C + 2 * kvC, group = NH / NKV;
    if (row >= (size_t)B * NKV * T) return;
    const int j = (int)(row % T), kh = (int)(row / T % NKV), b = (int)(row / ((size_t)T * NKV));
    const float *base = qkv + (size_t)b * T * QKV, *k = base + (size_t)j * QKV + C + (size_t)kh * hs, *v = k + kvC;
    const float scale = 1.0f / sqrtf((float)hs);
    float kr[LLM__CU_MAXHS / 32], vr[LLM__CU_MAXHS / 32], dk[LLM__CU_MAXHS / 32], dv[LLM__CU_MAXHS / 32];
    LLM__CU_LANES(kr[j_] = k[dd]; vr[j_] = v[dd]; dk[j_] = 0.0f; dv[j_] = 0.0f)
    for (int g = 0; g < group; g++) {
        const int h = kh * group + g;
        for (int i = j; i < T; i++) {
            const float *q = base + (size_t)i * QKV + (size_t)h * hs,
                        *dO = dout + ((size_t)b * T + i) * C + (size_t)h * hs;
            const size_t li = ((size_t)b * NH + h) * T + i;
            float s = 0, dp = 0;
            LLM__CU_LANES(s += q[dd] * kr[j_]; dp += dO[dd] * vr[j_])
            s = llm__cu_wsum(s); dp = llm__cu_wsum(dp);
            const float p = expf(s * scale - lse[li]), ds = p * (dp - Dv[li]) * scale;
            LLM__CU_LANES(dv[j_] += p * dO[dd]; dk[j_] += ds * q[dd])
        }
    }
    float *dkr = dqkv + ((size_t)b * T + j) * QKV + C + (size_t)kh * hs, *dvr = dkr + kvC;
    LLM__CU_LANES(dkr[dd] = dk[j_]; dvr[dd] = dv[j_])
}

/* ---- flash attention with tensor cores (bf16 mode, head dims 64 and 128): the algorithm of
   >>flash_algorithm. A block of 4 warps holds a tile of 64 query rows, 16 per warp; tiles of
   q, k, v (and dO) are converted to bf16 into shared memory, rows padded to D + 8 so that
   ldmatrix reads hit every bank once. mma.sync m16n8k16 multiplies a 16x16 A fragment (4
   registers of bf16 pairs per thread) by a 16x8 B fragment (2 registers) into a 16x8 fp32
   C fragment (4 floats): thread `lane` holds rows lane/4 and lane/4 + 8, columns
   2 (lane%4) and +1. That C layout is the A layout of the next product, so the scores
   become the probabilities' A fragments without leaving registers. ---- */
__device__ __forceinline__ void llm__cu_ldsm(uint32_t r[4], const __nv_bfloat16 *p) {
    const unsigned a = (unsigned)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
__device__ __forceinline__ void llm__cu_ldsm_t(uint32_t r[4], const __nv_bfloat16 *p) {
    const unsigned a = (unsigned)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
/* c (16x8 fp32) += a (16x16 bf16) . b (16x8 bf16) */
__device__ __forceinline__ void llm__cu_mma(float c[4], const uint32_t a[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ uint32_t llm__cu_pack(float lo, float hi) {
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    uint32_t r;
    memcpy(&r, &v, 4);
    return r;
}
/* the A fragment of k-step kk from C fragments c[2kk], c[2kk+1] (a 16x16 tile of the rows) */
__device__ __forceinline__ void llm__cu_c2a(uint32_t a[4], const float c0[4], const float c1[4]) {
    a[0] = llm__cu_pack(c0[0], c0[1]); a[1] = llm__cu_pack(c0[2], c0[3]);
    a[2] = llm__cu_pack(c1[0], c1[1]); a[3] = llm__cu_pack(c1[2], c1[3]);
}
/* Addresses a lane gives ldmatrix.x4 in a tile with rows of LD elements:
   A operand (16 rows x 16): rows r0 + lane%16, columns c0 + 8 (lane/16);
   B operand from rows that are the product's columns (K for Q K^T: two 8-column tiles of
   16 k each): rows r0 + lane%8 + 8 (lane/16), columns c0 + 8 ((lane/8)%2);
   B operand, transposed, from rows that are the product's k (V for P V): rows
   r0 + lane%8 + 8 ((lane/8)%2), columns c0 + 8 (lane/16). */
#define LLM__A_AT(S, LD, r0, c0) ((S) + ((r0) + (lane & 15)) * (LD) + (c0) + ((lane >> 4) << 3))
#define LLM__B_AT(S, LD, r0, c0) \
    ((S) + ((r0) + (lane & 7) + ((lane >> 4) << 3)) * (LD) + (c0) + (((lane >> 3) & 1) << 3))
#define LLM__BT_AT(S, LD, r0, c0) \
    ((S) + ((r0) + (lane & 7) + (((lane >> 3) & 1) << 3)) * (LD) + (c0) + ((lane >> 4) << 3))

/* ROWS x D floats (row stride ld, nvalid rows, the rest zero) into bf16 shared memory */
template <int D, int ROWS>
__device__ __forceinline__ void llm__cu_tile(__nv_bfloat16 *dst, const float *src, size_t ld, int nvalid) {
    constexpr int LD = D + 8, V4 = D / 4;
    for (int c = threadIdx.x; c < ROWS * V4; c += blockDim.x) {
        const int r = c / V4, c4 = c % V4;
        float4 f = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        uint2 u;
        if (r < nvalid) f = *reinterpret_cast<const float4 *>(src + (size_t)r * ld + c4 * 4);
        u.x = llm__cu_pack(f.x, f.y); u.y = llm__cu_pack(f.z, f.w);
        *reinterpret_cast<uint2 *>(dst + r * LD + c4 * 4) = u;
    }
}
template <int D> __host__ __device__ constexpr float llm__cu_inv_sqrt() {
    return D == 64 ? 0.125f : 0.08838834764831845f;
}
template <int D> constexpr size_t llm__cu_fwd_smem() { return (size_t)3 * LLM__FA_BM * (D + 8) * 2; }
template <int D> constexpr size_t llm__cu_bkv_smem() {
    return (size_t)(2 * LLM__FA_BN + 2 * LLM__FA_BWD_M) * (D + 8) * 2 + 2 * LLM__FA_BWD_M * sizeof(float);
}
template <int D> constexpr size_t llm__cu_bq_smem() {
    return (size_t)4 * LLM__FA_BM * (D + 8) * 2 + 2 * LLM__FA_BM * sizeof(float);
}

/* forward: grid (query tiles, B * NH), the longest tiles first */
template <int D>
__global__ void __launch_bounds__(128)
    llm__k_flash_fwd(float *out, float *lse, const float *qkv, int T, int NH, int NKV) {
    constexpr int BM = LLM__FA_BM, BN = LLM__FA_BN, LD = D + 8;
    extern __shared__ __align__(16) unsigned char llm__cu_smem[];
    __nv_bfloat16 *Qs = reinterpret_cast<__nv_bfloat16 *>(llm__cu_smem), *Ks = Qs + BM * LD, *Vs = Ks + BN * LD;
    const int qt = (T + BM - 1) / BM - 1 - (int)blockIdx.x, q0 = qt * BM;
    const int b = blockIdx.y / NH, h = blockIdx.y % NH, kh = h / (NH / NKV);
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, t4 = lane & 3;
    const int r0 = q0 + warp * 16 + (lane >> 2), r1 = r0 + 8;
    const float sl2 = LLM__LOG2E * llm__cu_inv_sqrt<D>();
    const float *base = qkv + (size_t)b * T * QKV;
    uint32_t qf[D / 16][4];
    float o[D / 8][4], s[BN / 8][4], mr0 = -INFINITY, mr1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;
    llm__cu_tile<D, BM>(Qs, base + (size_t)q0 * QKV + (size_t)h * D, QKV, T - q0);
    __syncthreads();
#pragma unroll
    for (int ks = 0; ks < D / 16; ks++) llm__cu_ldsm(qf[ks], LLM__A_AT(Qs, LD, warp * 16, ks * 16));
#pragma unroll
    for (int i = 0; i < D / 8; i++) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
    for (int kt = 0; kt <= qt; kt++) {
        const int k0 = kt * BN;
        __syncthreads();   /* the last tile's k, v are no longer read */
        llm__cu_tile<D, BN>(Ks, base + (size_t)k0 * QKV + C + (size_t)kh * D, QKV, T - k0);
        llm__cu_tile<D, BN>(Vs, base + (size_t)k0 * QKV + C + kvC + (size_t)kh * D, QKV, T - k0);
        __syncthreads();
#pragma unroll
        for (int i = 0; i < BN / 8; i++) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.0f;
#pragma unroll
        for (int ks = 0; ks < D / 16; ks++)
#pragma unroll
            for (int np = 0; np < BN / 16; np++) {   /* S = Q K^T, 16 keys at a time */
                uint32_t kb[4];
                llm__cu_ldsm(kb, LLM__B_AT(Ks, LD, np * 16, ks * 16));
                llm__cu_mma(s[2 * np], qf[ks], kb[0], kb[1]);
                llm__cu_mma(s[2 * np + 1], qf[ks], kb[2], kb[3]);
            }
        float mx0 = mr0, mx1 = mr1;
#pragma unroll
        for (int i = 0; i < BN / 8; i++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float v = s[i][e] * sl2;
                if (kt == qt && k0 + i * 8 + t4 * 2 + (e & 1) > (e < 2 ? r0 : r1)) v = -INFINITY;   /* causal */
                s[i][e] = v;
            }
            mx0 = fmaxf(mx0, fmaxf(s[i][0], s[i][1]));
            mx1 = fmaxf(mx1, fmaxf(s[i][2], s[i][3]));
        }
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1)); mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1)); mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
        {   /* the online softmax: rescale what was summed, then add this tile */
            const float c0 = mx0 == -INFINITY ? 1.0f : exp2f(mr0 - mx0),
                        c1 = mx1 == -INFINITY ? 1.0f : exp2f(mr1 - mx1);
            float ls0 = 0.0f, ls1 = 0.0f;
#pragma unroll
            for (int i = 0; i < BN / 8; i++) {
                s[i][0] = mx0 == -INFINITY ? 0.0f : exp2f(s[i][0] - mx0);
                s[i][1] = mx0 == -INFINITY ? 0.0f : exp2f(s[i][1] - mx0);
                s[i][2] = mx1 == -INFINITY ? 0.0f : exp2f(s[i][2] - mx1);
                s[i][3] = mx1 == -INFINITY ? 0.0f : exp2f(s[i][3] - mx1);
                ls0 += s[i][0] + s[i][1]; ls1 += s[i][2] + s[i][3];
            }
            l0 = l0 * c0 + ls0; l1 = l1 * c1 + ls1;
            mr0 = mx0; mr1 = mx1;
#pragma unroll
            for (int i = 0; i < D / 8; i++) { o[i][0] *= c0; o[i][1] *= c0; o[i][2] *= c1; o[i][3] *= c1; }
        }
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {   /* O += P V, 16 keys at a time */
            uint32_t pa[4];
            llm__cu_c2a(pa, s[2 * kk], s[2 * kk + 1]);
#pragma unroll
            for (int dp = 0; dp < D / 16; dp++) {
                uint32_t vb[4];
                llm__cu_ldsm_t(vb, LLM__BT_AT(Vs, LD, kk * 16, dp * 16));
                llm__cu_mma(o[2 * dp], pa, vb[0], vb[1]);
                llm__cu_mma(o[2 * dp + 1], pa, vb[2], vb[3]);
            }
        }
    }
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1); l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1); l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
#pragma unroll
    for (int hf = 0; hf < 2; hf++) {
        const int r = hf ? r1 : r0;
        const float l = hf ? l1 : l0, inv = 1.0f / l;
        if (r >= T) continue;
        float *orow = out + ((size_t)b * T + r) * C + (size_t)h * D + t4 * 2;
#pragma unroll
        for (int i = 0; i < D / 8; i++)
            *reinterpret_cast<float2 *>(orow + i * 8) = make_float2(o[i][2 * hf] * inv, o[i][2 * hf + 1] * inv);
        if (t4 == 0) lse[((size_t)b * NH + h) * T + r] = ((hf ? mr1 : mr0) + log2f(l)) * LLM__LN2;
    }
}

/* dK, dV: grid (key tiles, B * NKV); each warp owns 16 keys; the group's heads and the
   queries from the diagonal on come through shared memory LLM__FA_BWD_M at a time.
   S^T = K Q^T and dP^T = V dO^T, then dV += P^T dO and dK += dS^T Q. */
template <int D>
__global__ void __launch_bounds__(128) llm__k_flash_bwd_kv(float *dqkv, const float *dout, const float *qkv,
                                                           const float *lse, const float *Dv, int T, int NH, int NKV) {
    constexpr int BN = LLM__FA_BN, BQ = LLM__FA_BWD_M, LD = D + 8;
    extern __shared__ __align__(16) unsigned char llm__cu_smem[];
    __nv_bfloat16 *Ks = reinterpret_cast<__nv_bfloat16 *>(llm__cu_smem), *Vs = Ks + BN * LD, *Qs = Vs + BN * LD;
    __nv_bfloat16 *Os = Qs + BQ * LD;
    float *Ls = reinterpret_cast<float *>(Os + BQ * LD), *Ds = Ls + BQ;
    const int k0 = blockIdx.x * BN, b = blockIdx.y / NKV, kh = blockIdx.y % NKV, group = NH / NKV;
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, t4 = lane & 3;
    const int key0 = k0 + warp * 16 + (lane >> 2), key1 = key0 + 8;
    const float scale = llm__cu_inv_sqrt<D>(), sl2 = LLM__LOG2E * scale;
    const float *base = qkv + (size_t)b * T * QKV;
    float dk[D / 8][4], dv[D / 8][4], st[BQ / 8][4], dpt[BQ / 8][4];
    llm__cu_tile<D, BN>(Ks, base + (size_t)k0 * QKV + C + (size_t)kh * D, QKV, T - k0);
    llm__cu_tile<D, BN>(Vs, base + (size_t)k0 * QKV + C + kvC + (size_t)kh * D, QKV, T - k0);
#pragma unroll
    for (int i = 0; i < D / 8; i++)
        dk[i][0] = dk[i][1] = dk[i][2] = dk[i][3] = dv[i][0] = dv[i][1] = dv[i][2] = dv[i][3] = 0.0f;
    for (int g = 0; g < group; g++) {
        const int h = kh * group + g;
        for (int q0 = k0; q0 < T; q0 += BQ) {
            __syncthreads();
            llm__cu_tile<D, BQ>(Qs, base + (size_t)q0 * QKV + (size_t)h * D, QKV, T - q0);
            llm__cu_tile<D, BQ>(Os, dout + ((size_t)b * T + q0) * C + (size_t)h * D, C, T - q0);
            if (threadIdx.x < BQ) {
                const int qi = q0 + threadIdx.x;
                Ls[threadIdx.x] = qi < T ? lse[((size_t)b * NH + h) * T + qi] * LLM__LOG2E : 0.0f;
                Ds[threadIdx.x] = qi < T ? Dv[((size_t)b * NH + h) * T + qi] : 0.0f;
            }
            __syncthreads();
#pragma unroll
            for (int i = 0; i < BQ / 8; i++)
                st[i][0] = st[i][1] = st[i][2] = st[i][3] = dpt[i][0] = dpt[i][1] = dpt[i][2] = dpt[i][3] = 0.0f;
#pragma unroll
            for (int ks = 0; ks < D / 16; ks++) {
                uint32_t ka[4], va[4];
                llm__cu_ldsm(ka, LLM__A_AT(Ks, LD, warp * 16, ks * 16));
                llm__cu_ldsm(va, LLM__A_AT(Vs, LD, warp * 16, ks * 16));
#pragma unroll
                for (int np = 0; np < BQ / 16; np++) {
                    uint32_t qb[4], ob[4];
                    llm__cu_ldsm(qb, LLM__B_AT(Qs, LD, np * 16, ks * 16));
                    llm__cu_ldsm(ob, LLM__B_AT(Os, LD, np * 16, ks * 16));
                    llm__cu_mma(st[2 * np], ka, qb[0], qb[1]);
                    llm__cu_mma(st[2 * np + 1], ka, qb[2], qb[3]);
                    llm__cu_mma(dpt[2 * np], va, ob[0], ob[1]);
                    llm__cu_mma(dpt[2 * np + 1], va, ob[2], ob[3]);
                }
            }
#pragma unroll
            for (int i = 0; i < BQ / 8; i++)
#pragma unroll
                for (int e = 0; e < 4; e++) {
                    const int col = i * 8 + t4 * 2 + (e & 1), qi = q0 + col, key = e < 2 ? key0 : key1;
                    const float p = qi >= key && qi < T ? exp2f(st[i][e] * sl2 - Ls[col]) : 0.0f;
                    st[i][e] = p;
                    dpt[i][e] = p * (dpt[i][e] - Ds[col]) * scale;
                }
#pragma unroll
            for (int kk = 0; kk < BQ / 16; kk++) {
                uint32_t pa[4], da[4];
                llm__cu_c2a(pa, st[2 * kk], st[2 * kk + 1]);
                llm__cu_c2a(da, dpt[2 * kk], dpt[2 * kk + 1]);
#pragma unroll
                for (int dp = 0; dp < D / 16; dp++) {
                    uint32_t ob[4], qb[4];
                    llm__cu_ldsm_t(ob, LLM__BT_AT(Os, LD, kk * 16, dp * 16));
                    llm__cu_ldsm_t(qb, LLM__BT_AT(Qs, LD, kk * 16, dp * 16));
                    llm__cu_mma(dv[2 * dp], pa, ob[0], ob[1]);
                    llm__cu_mma(dv[2 * dp + 1], pa, ob[2], ob[3]);
                    llm__cu_mma(dk[2 * dp], da, qb[0], qb[1]);
                    llm__cu_mma(dk[2 * dp + 1], da, qb[2], qb[3]);
                }
            }
        }
    }
#pragma unroll
    for (int hf = 0; hf < 2; hf++) {
        const int key = hf ? key1 : key0;
        if (key >= T) continue;
        float *dkr = dqkv + ((size_t)b * T + key) * QKV + C + (size_t)kh * D + t4 * 2, *dvr = dkr + kvC;
#pragma unroll
        for (int i = 0; i < D / 8; i++) {
            *reinterpret_cast<float2 *>(dkr + i * 8) = make_float2(dk[i][2 * hf], dk[i][2 * hf + 1]);
            *reinterpret_cast<float2 *>(dvr + i * 8) = make_float2(dv[i][2 * hf], dv[i][2 * hf + 1]);
        }
    }
}

/* dQ: grid (query tiles, B * NH), the longest first; each warp owns 16 queries.
   S = Q K^T and dP = dO V^T, then dQ += dS K. */
template <int D>
__global__ void __launch_bounds__(128) llm__k_flash_bwd_q(float *dqkv, const float *dout, const float *qkv,
                                                          const float *lse, const float *Dv, int T, int NH, int NKV) {
    constexpr int BM = LLM__FA_BM, BN = LLM__FA_BN, LD = D + 8;
    extern __shared__ __align__(16) unsigned char llm__cu_smem[];
    __nv_bfloat16 *Qs = reinterpret_cast<__nv_bfloat16 *>(llm__cu_smem), *Os = Qs + BM * LD, *Ks = Os + BM * LD;
    __nv_bfloat16 *Vs = Ks + BN * LD;
    float *Ls = reinterpret_cast<float *>(Vs + BN * LD), *Ds = Ls + BM;
    const int qt = (T + BM - 1) / BM - 1 - (int)blockIdx.x, q0 = qt * BM;
    const int b = blockIdx.y / NH, h = blockIdx.y % NH, kh = h / (NH / NKV);
    const int C = NH * D, kvC = NKV * D, QKV = C + 2 * kvC;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, t4 = lane & 3;
    const int lr0 = warp * 16 + (lane >> 2), lr1 = lr0 + 8;
    const float scale = llm__cu_inv_sqrt<D>(), sl2 = LLM__LOG2E * scale;
    const float *base = qkv + (size_t)b * T * QKV;
    float dq[D / 8][4], s[BN / 8][4], dp[BN / 8][4];
    llm__cu_tile<D, BM>(Qs, base + (size_t)q0 * QKV + (size_t)h * D, QKV, T - q0);
    llm__cu_tile<D, BM>(Os, dout + ((size_t)b * T + q0) * C + (size_t)h * D, C, T - q0);
    if (threadIdx.x < BM) {
        const int qi = q0 + threadIdx.x;
        Ls[threadIdx.x] = qi < T ? lse[((size_t)b * NH + h) * T + qi] * LLM__LOG2E : 0.0f;
        Ds[threadIdx.x] = qi < T ? Dv[((size_t)b * NH + h) * T + qi] : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < D / 8; i++) dq[i][0] = dq[i][1] = dq[i][2] = dq[i][3] = 0.0f;
    for (int kt = 0; kt <= qt; kt++) {
        const int k0 = kt * BN;
        __syncthreads();
        llm__cu_tile<D, BN>(Ks, base + (size_t)k0 * QKV + C + (size_t)kh * D, QKV, T - k0);
        llm__cu_tile<D, BN>(Vs, base + (size_t)k0 * QKV + C + kvC + (size_t)kh * D, QKV, T - k0);
        __syncthreads();
#pragma unroll
        for (int i = 0; i < BN / 8; i++)
            s[i][0] = s[i][1] = s[i][2] = s[i][3] = dp[i][0] = dp[i][1] = dp[i][2] = dp[i][3] = 0.0f;
#pragma unroll
        for (int ks = 0; ks < D / 16; ks++) {
            uint32_t qa[4], oa[4];
            llm__cu_ldsm(qa, LLM__A_AT(Qs, LD, warp * 16, ks * 16));
            llm__cu_ldsm(oa, LLM__A_AT(Os, LD, warp * 16, ks * 16));
#pragma unroll
            for (int np = 0; np < BN / 16; np++) {
                uint32_t kb[4], vb[4];
                llm__cu_ldsm(kb, LLM__B_AT(Ks, LD, np * 16, ks * 16));
                llm__cu_ldsm(vb, LLM__B_AT(Vs, LD, np * 16, ks * 16));
                llm__cu_mma(s[2 * np], qa, kb[0], kb[1]);
                llm__cu_mma(s[2 * np + 1], qa, kb[2], kb[3]);
                llm__cu_mma(dp[2 * np], oa, vb[0], vb[1]);
                llm__cu_mma(dp[2 * np + 1], oa, vb[2], vb[3]);
            }
        }
#pragma unroll
        for (int i = 0; i < BN / 8; i++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int lr = e < 2 ? lr0 : lr1, row = q0 + lr, key = k0 + i * 8 + t4 * 2 + (e & 1);
                const float p = key <= row && row < T ? exp2f(s[i][e] * sl2 - Ls[lr]) : 0.0f;
                s[i][e] = p * (dp[i][e] - Ds[lr]) * scale;
            }
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {
            uint32_t da[4];
            llm__cu_c2a(da, s[2 * kk], s[2 * kk + 1]);
#pragma unroll
            for (int dd = 0; dd < D / 16; dd++) {
                uint32_t kb[4];
                llm__cu_ldsm_t(kb, LLM__BT_AT(Ks, LD, kk * 16, dd * 16));
                llm__cu_mma(dq[2 * dd], da, kb[0], kb[1]);
                llm__cu_mma(dq[2 * dd + 1], da, kb[2], kb[3]);
            }
        }
    }
#pragma unroll
    for (int hf = 0; hf < 2; hf++) {
        const int r = q0 + (hf ? lr1 : lr0);
        if (r >= T) continue;
        float *dqr = dqkv + ((size_t)b * T + r) * QKV + (size_t)h * D + t4 * 2;
#pragma unroll
        for (int i = 0; i < D / 8; i++)
            *reinterpret_cast<float2 *>(dqr + i * 8) = make_float2(dq[i][2 * hf], dq[i][2 * hf + 1]);
    }
}

/* the flash kernels take this call: bf16 mode, head dim 64 or 128, 16-byte aligned rows */
static int llm__cu_flash_ok(const llm__cu *d, const void *a, const void *b, const void *c, int B, int NH, int hs) {
    return d->bf16 && (hs == 64 || hs == 128) && (uintptr_t)a % 16 == 0 && (uintptr_t)b % 16 == 0 &&
           (uintptr_t)c % 16 == 0 && (size_t)B * NH <= 65535;
}
/* (scale and window: llm__pick_ops keeps the configs that change them on the CPU; here they
   are always 1/sqrt(hs) and 0) */
static void llm__cu_attn_fwd(const llm__ctx *x, float *out, float *lse, const float *qkv, int B, int T, int NH, int NKV,
                             int hs, float scale, int window) {
    llm__cu *d = llm__cu_live(x);
    LLM__UNUSED(scale); LLM__UNUSED(window);
    if (!d) return;
    if (llm__cu_flash_ok(d, qkv, out, out, B, NH, hs)) {
        const dim3 grid((unsigned)((T + LLM__FA_BM - 1) / LLM__FA_BM), (unsigned)(B * NH));
        if (hs == 64) llm__k_flash_fwd<64><<<grid, 128, llm__cu_fwd_smem<64>(), d->stream>>>(out, lse, qkv, T, NH, NKV);
        else llm__k_flash_fwd<128><<<grid, 128, llm__cu_fwd_smem<128>(), d->stream>>>(out, lse, qkv, T, NH, NKV);
    } else {
        llm__k_att_fwd_simple<<<llm__cu_rows4((size_t)B * NH * T), 128, 0, d->stream>>>(out, lse, qkv, B, T, NH, NKV,
                                                                                          hs);
    }
    llm__cu_launched(d, "attention forward");
}
static void llm__cu_attn_bwd_with(const llm__ctx *x, float *dqkv, const float *dout, const float *qkv, const float *o,
                                  const float *lse, int B, int T, int NH, int NKV, int hs, int flash) {
    llm__cu *d = llm__cu_live(x);
    const size_t rows = (size_t)B * NH * T;
    if (!d) return;
    if (rows > d->att_n) {
        llm__cu_fail(d, LLM_ERR_INVALID_ARG, "attention backward", "larger than the context's");
        return;
    }
    llm__k_att_rowdot<<<llm__cu_rows4(rows), 128, 0, d->stream>>>(d->att, dout, o, B, T, NH, hs);
    if (flash && llm__cu_flash_ok(d, qkv, dout, dqkv, B, NH, hs)) {
        const dim3 gkv((unsigned)((T + LLM__FA_BN - 1) / LLM__FA_BN), (unsigned)(B * NKV));
        const dim3 gq((unsigned)((T + LLM__FA_BM - 1) / LLM__FA_BM), (unsigned)(B * NH));
        if (hs == 64) {
            llm__k_flash_bwd_kv<64>
                <<<gkv, 128, llm__cu_bkv_smem<64>(), d->stream>>>(dqkv, dout, qkv, lse, d->att, T, NH, NKV);
            llm__k_flash_bwd_q<64>
                <<<gq, 128, llm__cu_bq_smem<64>(), d->stream>>>(dqkv, dout, qkv, lse, d->att, T, NH, NKV);
        } else {
            llm__k_flash_bwd_kv<128>
                <<<gkv, 128, llm__cu_bkv_smem<128>(), d->stream>>>(dqkv, dout, qkv, lse, d->att, T, NH, NKV);
            llm__k_flash_bwd_q<128>
                <<<gq, 128, llm__cu_bq_smem<128>(), d->stream>>>(dqkv, dout, qkv, lse, d->att, T, NH, NKV);
        }
    } else {
        llm__k_att_dq_simple<<<llm__cu_rows4(rows), 128, 0, d->stream>>>(dqkv, dout, qkv, lse, d->att, B, T, NH, NKV,
                                                                           hs);
        llm__k_att_dkv_simple<<<llm__cu_rows4((size_t)B * NKV * T), 128, 0, d->stream>>>(dqkv, dout, qkv, lse, d->att,
                                                                                           B, T, NH, NKV, hs);
    }
    llm__cu_launched(d, "attention backward");
}
static void llm__cu_attn_bwd(const llm__ctx *x, float *dqkv, const float *dout, const float *qkv, const float *o,
                             const float *lse, int B, int T, int NH, int NKV, int hs, float scale, int window) {
    LLM__UNUSED(scale); LLM__UNUSED(window);
    llm__cu_attn_bwd_with(x, dqkv, dout, qkv, o, lse, B, T, NH, NKV, hs, 1);
}
static void llm__cu_ref_attn_fwd(const llm__ctx *x, float *out, float *lse, const float *qkv, int B, int T, int NH,
                                 int NKV, int hs, float scale, int window) {
    llm__cu *d = llm__cu_live(x);
    LLM__UNUSED(scale); LLM__UNUSED(window);
    if (!d) return;
    llm__k_att_fwd_simple<<<llm__cu_rows4((size_t)B * NH * T), 128, 0, d->stream>>>(out, lse, qkv, B, T, NH, NKV, hs);
    llm__cu_launched(d, "ref attention forward");
}
static void llm__cu_ref_attn_bwd(const llm__ctx *x, float *dqkv, const float *dout, const float *qkv, const float *o,
                                 const float *lse, int B, int T, int NH, int NKV, int hs, float scale, int window) {
    LLM__UNUSED(scale); LLM__UNUSED(window);
    llm__cu_attn_bwd_with(x, dqkv, dout, qkv, o, lse, B, T, NH, NKV, hs, 0);
}

/* ---- attention over a session's KV cache (fp32 cache in GPU memory). The n new rows'
   k, v go into the cache first; then row t attends to its keys: the cache up to its own
   position, or, for beams, the shared prompt and then its own suffix. Split-KV: the keys
   of a row are cut into `nsplit` ranges, one block per (split, kv head, row); a block
   brings 32 keys and values at a time into shared memory with whole-row reads and serves
   every query head of the group from them; partial (m, l, o) are merged in split order. ---- */
__global__ void llm__k_kv_store(float *K, float *V, float *bk, float *bv, const float *qkv, int n, int NH, int NKV,
                                int hs, int n_ctx, int pos0, int bcap, int bpos) {
    const int C = NH * hs, kvC = NKV * hs, QKV = C + 2 * kvC;
    LLM__CU_FOR(i, (size_t)n * NKV * hs) {
        const int t = (int)(i / ((size_t)NKV * hs)), h = (int)(i / hs % NKV), dd = (int)(i % hs);
        const float *row = qkv + (size_t)t * QKV;
        if (bk) {
            const size_t off = (((size_t)t * NKV + h) * bcap + bpos) * hs + dd;
            bk[off] = row[C + h * hs + dd]; bv[off] = row[C + kvC + h * hs + dd];
        } else {
            const size_t off = ((size_t)h * n_ctx + pos0 + t) * hs + dd;
            K[off] = row[C + h * hs + dd]; V[off] = row[C + kvC + h * hs + dd];
        }
    }
}
typedef struct llm__cu_kvargs {
    const float *K, *V, *bk, *bv;
    int NH, NKV, hs, n_ctx, pos0, bcap, bpos;
} llm__cu_kvargs;
/* key p of row t: the cache (p < LA), then the beam's suffix */
__device__ __forceinline__ const float *llm__cu_key(const llm__cu_kvargs &a, const float *base, const float *bbase,
                                                    int t, int kh, int p, int LA) {
    return p < LA ? base + ((size_t)kh * a.n_ctx + p) * a.hs
                  : bbase + (((size_t)t * a.NKV + kh) * a.bcap + (p - LA)) * a.hs;
}
__global__ void llm__k_kv_attend(float *out, float *part, const float *qkv, llm__cu_kvargs a, int per, int nsplit) {
    extern __shared__ __align__(16) unsigned char llm__cu_smem[];
    const int s = blockIdx.z, kh = blockIdx.y, t = blockIdx.x, hs = a.hs, HP = hs + 1, G = a.NH / a.NKV;
    const int W = blockDim.x >> 5, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int C = a.NH * hs, QKV = C + 2 * a.NKV * hs;
    const int LA = a.bk ? a.pos0 : a.pos0 + t + 1, LB = a.bk ? a.bpos + 1 : 0;
    const int lo = s * per, hi = min(lo + per, LA + LB);
    const float scale = 1.0f / sqrtf((float)hs);
    float *Ks = reinterpret_cast<float *>(llm__cu_smem), *Vs = Ks + 32 * HP, *Qs = Vs + 32 * HP;
    float m[4], l[4], o[4][LLM__CU_MAXHS / 32];
    for (int i = threadIdx.x; i < G * hs; i += blockDim.x) Qs[i] = qkv[(size_t)t * QKV + (size_t)kh * G * hs + i];
#pragma unroll
    for (int k = 0; k < 4; k++) {
        m[k] = -INFINITY; l[k] = 0.0f;
#pragma unroll
        for (int j = 0; j < LLM__CU_MAXHS / 32; j++) o[k][j] = 0.0f;
    }
    for (int c0 = lo; c0 < hi; c0 += 32) {
        const int nk = min(32, hi - c0);
        __syncthreads();
        for (int i = threadIdx.x; i < 32 * hs; i += blockDim.x) {
            const int j = i / hs, dd = i % hs;
            float kv = 0.0f, vv = 0.0f;
            if (j < nk) {
                kv = llm__cu_key(a, a.K, a.bk, t, kh, c0 + j, LA)[dd];
                vv = llm__cu_key(a, a.V, a.bv, t, kh, c0 + j, LA)[dd];
            }
            Ks[j * HP + dd] = kv; Vs[j * HP + dd] = vv;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 4; k++) {
            const int g = warp + k * W;
            float sc = -INFINITY;
            if (g >= G) continue;
            if (lane < nk) {   /* lane j scores key j */
                float acc = 0.0f;
                for (int dd = 0; dd < hs; dd++) acc += Qs[g * hs + dd] * Ks[lane * HP + dd];
                sc = acc * scale;
            }
            const float mn = fmaxf(m[k], llm__cu_wmax(sc)), c = expf(m[k] - mn), p = lane < nk ? expf(sc - mn) : 0.0f;
            l[k] = l[k] * c + llm__cu_wsum(p);
            m[k] = mn;
#pragma unroll
            for (int j = 0; j < LLM__CU_MAXHS / 32; j++) o[k][j] *= c;
            for (int jk = 0; jk < nk; jk++) {
                const float pj = __shfl_sync(0xffffffffu, p, jk);
#pragma unroll
                for (int j = 0; j < LLM__CU_MAXHS / 32; j++)
                    if (lane + 32 * j < hs) o[k][j] += pj * Vs[jk * HP + lane + 32 * j];
            }
        }
    }
#pragma unroll
    for (int k = 0; k < 4; k++) {
        const int g = warp + k * W, h = kh * G + g;
        if (g >= G) continue;
        if (nsplit == 1) {
            float *orow = out + (size_t)t * C + (size_t)h * hs;
#pragma unroll
            for (int j = 0; j < LLM__CU_MAXHS / 32; j++) if (lane + 32 * j < hs) orow[lane + 32 * j] = o[k][j] / l[k];
        } else {
            float *pr = part + (((size_t)t * a.NH + h) * nsplit + s) * (hs + 2);
#pragma unroll
            for (int j = 0; j < LLM__CU_MAXHS / 32; j++) if (lane + 32 * j < hs) pr[lane + 32 * j] = o[k][j];
            if (lane == 0) { pr[hs] = m[k]; pr[hs + 1] = l[k]; }
        }
    }
}
/* one block per (row, head): the splits' partials merged in order */
__global__ void llm__k_kv_combine(float *out, const float *part, int hs, int nsplit) {
    const float *p = part + (size_t)blockIdx.x * nsplit * (hs + 2);
    float M = -INFINITY, L = 0.0f;
    for (int s = 0; s < nsplit; s++) M = fmaxf(M, p[(size_t)s * (hs + 2) + hs]);
    for (int s = 0; s < nsplit; s++) {
        const float ms = p[(size_t)s * (hs + 2) + hs];
        if (ms != -INFINITY) L += expf(ms - M) * p[(size_t)s * (hs + 2) + hs + 1];
    }
    for (int dd = threadIdx.x; dd < hs; dd += blockDim.x) {
        float acc = 0.0f;
        for (int s = 0; s < nsplit; s++) {
            const float ms = p[(size_t)s * (hs + 2) + hs];
            if (ms != -INFINITY) acc += expf(ms - M) * p[(size_t)s * (hs + 2) + dd];
        }
        out[(size_t)blockIdx.x * hs + dd] = acc / L;
    }
}
/* the simple twin: one warp per (row, head), keys read from global memory one by one */
__global__ void llm__k_kv_attend_simple(float *out, const float *qkv, llm__cu_kvargs a, int n) {
    const size_t w = (size_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31, hs = a.hs, C = a.NH * hs, QKV = C + 2 * a.NKV * hs;
    if (w >= (size_t)n * a.NH) return;
    const int t = (int)(w / a.NH), h = (int)(w % a.NH), kh = h / (a.NH / a.NKV);
    const int LA = a.bk ? a.pos0 : a.pos0 + t + 1, LB = a.bk ? a.bpos + 1 : 0;
    const float *q = qkv + (size_t)t * QKV + (size_t)h * hs, scale = 1.0f / sqrtf((float)hs);
    float qr[LLM__CU_MAXHS / 32], o[LLM__CU_MAXHS / 32], m = -INFINITY, l = 0.0f;
    LLM__CU_LANES(qr[j_] = q[dd]; o[j_] = 0.0f)
    for (int p = 0; p < LA + LB; p++) {
        const float *kr = llm__cu_key(a, a.K, a.bk, t, kh, p, LA), *vr = llm__cu_key(a, a.V, a.bv, t, kh, p, LA);
        float sc = 0.0f;
        LLM__CU_LANES(sc += qr[j_] * kr[dd])
        sc = llm__cu_wsum(sc) * scale;
        const float mn = fmaxf(m, sc), c = expf(m - mn), pp = expf(sc - mn);
        l = l * c + pp;
        LLM__CU_LANES(o[j_] = o[j_] * c + pp * vr[dd])
        m = mn;
    }
    float *orow = out + (size_t)t * C + (size_t)h * hs;
    LLM__CU_LANES(orow[dd] = o[j_] / l)
}
static size_t llm__cu_kv_smem(int NH, int NKV, int hs) {
    return (size_t)(2 * 32 * (hs + 1) + NH / NKV * hs) * sizeof(float);
}
static void llm__cu_attn_kv_with(const llm__ctx *x, float *out, const float *qkv, const llm__kv *kv, int n, int NH,
                                 int NKV, int hs, int simple) {
    llm__cu *d = llm__cu_live(x);
    llm__cu_kvargs a;
    int L, nsplit, per, G = NH / NKV, W;
    if (!d || n <= 0) return;
    llm__k_kv_store<<<llm__cu_grid((size_t)n * NKV * hs, 256), 256, 0, d->stream>>>(
        kv->k, kv->v, kv->bk, kv->bv, qkv, n, NH, NKV, hs, kv->n_ctx, kv->pos0, kv->bcap, kv->bpos);
    a.K = kv->k; a.V = kv->v; a.bk = kv->bk; a.bv = kv->bv;
    a.NH = NH; a.NKV = NKV; a.hs = hs; a.n_ctx = kv->n_ctx; a.pos0 = kv->pos0; a.bcap = kv->bcap; a.bpos = kv->bpos;
    if (simple) {
        llm__k_kv_attend_simple<<<llm__cu_rows4((size_t)n * NH), 128, 0, d->stream>>>(out, qkv, a, n);
        llm__cu_launched(d, "ref decode attention");
        return;
    }
    L = kv->bk ? kv->pos0 + kv->bpos + 1 : kv->pos0 + n;   /* the most keys of any row */
    nsplit = LLM__MAX(1, LLM__MIN(LLM__CU_DEC_SPLITS / n, (L + 255) / 256));
    per = ((L + nsplit - 1) / nsplit + 31) / 32 * 32;
    nsplit = (L + per - 1) / per;
    W = LLM__MIN(LLM__MAX(G, 4), 16);
    if ((size_t)n * NH * nsplit * (hs + 2) > d->att_n) { nsplit = 1; per = (L + 31) / 32 * 32; }
    {
        const dim3 grid((unsigned)n, (unsigned)NKV, (unsigned)nsplit);   /* rows on x: no 65535 limit */
        llm__k_kv_attend<<<grid, 32 * W, llm__cu_kv_smem(NH, NKV, hs), d->stream>>>(out, d->att, qkv, a, per, nsplit);
        if (nsplit > 1) llm__k_kv_combine<<<(unsigned)(n * NH), 128, 0, d->stream>>>(out, d->att, hs, nsplit);
    }
    llm__cu_launched(d, "decode attention");
}
static void llm__cu_attn_kv(const llm__ctx *x, float *out, const float *qkv, const llm__kv *kv, int n, int NH, int NKV,
                            int hs, float scale, int window) {
    LLM__UNUSED(scale); LLM__UNUSED(window);
    llm__cu_attn_kv_with(x, out, qkv, kv, n, NH, NKV, hs, 0);
}
static void llm__cu_ref_attn_kv(const llm__ctx *x, float *out, const float *qkv, const llm__kv *kv, int n, int NH,
                                int NKV, int hs, float scale, int window) {
    LLM__UNUSED(scale); LLM__UNUSED(window);
    llm__cu_attn_kv_with(x, out, qkv, kv, n, NH, NKV, hs, 1);
}

/* ---- the simple twins of the reductions above: one thread per row or column ---- */
__global__ void llm__k_ref_embed_bwd(float *dwte, const float *dout, const int32_t *tok, size_t N, int C, int V) {
    LLM__CU_FOR(i, (size_t)V * C) {
        const size_t v = i / (size_t)C, c = i % (size_t)C;
        float s = 0;
        int found = 0;
        for (size_t r = 0; r < N; r++)
            if ((size_t)tok[r] == v) { s += dout[r * C + c]; found = 1; }
        if (found) dwte[i] += s;
    }
}
static void llm__cu_ref_embed_bwd(const llm__ctx *x, float *dwte, float *dwpe, const float *dout, const int32_t *tok,
                                  size_t N, int T, int C) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_ref_embed_bwd<<<llm__cu_grid(d->info.max_cols * C, 128), 128, 0, d->stream>>>(dwte, dout, tok, N, C,
                                                                                        (int)d->info.max_cols);
    if (dwpe) llm__k_embed_bwd_wpe<<<llm__cu_grid((size_t)T * C, 128), 128, 0, d->stream>>>(dwpe, dout, N, T, C);
    llm__cu_launched(d, "ref embed_bwd");
}
__device__ void llm__cu_ref_norm_row(float *y, float *mean, float *rstd, const float *xr, const float *w,
                                     const float *b, int C, float eps, int rms) {
    float m = 0, v = 0, rs;
    if (!rms) { for (int i = 0; i < C; i++) m += xr[i]; m /= (float)C; }
    for (int i = 0; i < C; i++) v += (xr[i] - m) * (xr[i] - m);
    rs = 1.0f / sqrtf(v / (float)C + eps);
    for (int i = 0; i < C; i++) y[i] = (xr[i] - m) * rs * w[i] + (b ? b[i] : 0.0f);
    if (mean && !rms) *mean = m;
    *rstd = rs;
}
__global__ void llm__k_ref_norm_fwd(float *out, float *mean, float *rstd, const float *inp, const float *w,
                                    const float *b, size_t N, int C, float eps, int rms, const float *add) {
    LLM__CU_FOR(r, N) {
        float *y = out + r * C;
        if (add) {   /* add_norm: mean/rstd/out of inp = inp + add written in place */
            float *res = (float *)(uintptr_t)inp + r * C;
            for (int i = 0; i < C; i++) res[i] += add[r * C + i];
        }
        llm__cu_ref_norm_row(y, mean ? mean + r : NULL, rstd + r, inp + r * C, w, b, C, eps, rms);
    }
}
__global__ void llm__k_ref_norm_bwd_rows(float *dinp, const float *dout, const float *inp, const float *w,
                                         const float *mean, const float *rstd, size_t N, int C, int rms) {
    LLM__CU_FOR(r, N) {
        const float m = rms ? 0.0f : mean[r], rs = rstd[r];
        float dm = 0, dnm = 0;
        for (int i = 0; i < C; i++) {
            const float nrm = (inp[r * C + i] - m) * rs, dn = dout[r * C + i] * w[i];
            dm += dn; dnm += dn * nrm;
        }
        dm = rms ? 0.0f : dm / (float)C; dnm /= (float)C;
        for (int i = 0; i < C; i++) {
            const float nrm = (inp[r * C + i] - m) * rs, dn = dout[r * C + i] * w[i];
            dinp[r * C + i] += (dn - dm - nrm * dnm) * rs;
        }
    }
}
__global__ void llm__k_ref_norm_bwd_cols(float *dw, float *db, const float *dout, const float *inp, const float *mean,
                                         const float *rstd, size_t N, int C, int rms) {
    LLM__CU_FOR(c, (size_t)C) {
        float sw = 0, sb = 0;
        for (size_t r = 0; r < N; r++) {
            const float dy = dout[r * C + c];
            sw += dy * ((inp[r * C + c] - (rms ? 0.0f : mean[r])) * rstd[r]);
            sb += dy;
        }
        dw[c] += sw;
        if (db) db[c] += sb;
    }
}
static void llm__cu_ref_norm_fwd(const llm__ctx *x, float *out, float *mean, float *rstd, const float *inp,
                                 const float *w, const float *b, size_t N, int C, float eps, int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_ref_norm_fwd<<<llm__cu_grid(N, 64), 64, 0, d->stream>>>(out, mean, rstd, inp, w, b, N, C, eps, rms, NULL);
    llm__cu_launched(d, "ref norm_fwd");
}
static void llm__cu_ref_add_norm(const llm__ctx *x, float *res, float *out, float *mean, float *rstd, const float *a,
                                 const float *b, const float *w, const float *bias, size_t N, int C, float eps,
                                 int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    if (res != a) llm__cu_copy(x, res, a, N * C * sizeof(float));
    llm__k_ref_norm_fwd<<<llm__cu_grid(N, 64), 64, 0, d->stream>>>(out, mean, rstd, res, w, bias, N, C, eps, rms, b);
    llm__cu_launched(d, "ref add_norm");
}
static void llm__cu_ref_norm_bwd(const llm__ctx *x, float *dinp, float *dw, float *db, const float *dout,
                                 const float *inp, const float *w, const float *mean, const float *rstd, size_t N,
                                 int C, int rms) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_ref_norm_bwd_rows<<<llm__cu_grid(N, 64), 64, 0, d->stream>>>(dinp, dout, inp, w, mean, rstd, N, C, rms);
    llm__k_ref_norm_bwd_cols<<<llm__cu_grid(C, 64), 64, 0, d->stream>>>(dw, db, dout, inp, mean, rstd, N, C, rms);
    llm__cu_launched(d, "ref norm_bwd");
}
__global__ void llm__k_ref_ce(float *losses, float *lse, float *logits, const int32_t *targets, size_t N, int V, int ld,
                              float dloss, int mode) {
    LLM__CU_FOR(r, N) {
        float *xr = logits + r * ld, l;
        if (mode & 1) {
            float mx = -INFINITY;
            double s = 0;
            for (int i = 0; i < V; i++) mx = fmaxf(mx, xr[i]);
            for (int i = 0; i < V; i++) s += exp((double)xr[i] - mx);
            l = mx + (float)log(s);
            lse[r] = l;
            if (losses) losses[r] = targets[r] < 0 ? 0.0f : l - xr[targets[r]];
        } else {
            l = lse[r];
        }
        if (mode & 2) {
            for (int i = 0; i < V; i++) xr[i] = targets[r] < 0 ? 0.0f : expf(xr[i] - l) * dloss;
            if (targets[r] >= 0) xr[targets[r]] -= dloss;
        }
    }
}
static void llm__cu_ref_ce(const llm__ctx *x, float *losses, float *lse, float *logits, const int32_t *targets,
                           size_t N, int V, int ld, float dloss, int mode) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return;
    llm__k_ref_ce<<<llm__cu_grid(N, 64), 64, 0, d->stream>>>(losses, lse, logits, targets, N, V, ld, dloss, mode);
    llm__cu_launched(d, "ref crossentropy");
}
static void llm__cu_ref_ce_fwd(const llm__ctx *x, float *losses, float *lse, const float *logits,
                               const int32_t *targets, size_t N, int V, int ld) {
    llm__cu_ref_ce(x, losses, lse, (float *)(uintptr_t)logits, targets, N, V, ld, 0.0f, 1);
}
static void llm__cu_ref_ce_bwd(const llm__ctx *x, float *logits, const float *lse, const int32_t *targets, size_t N,
                               int V, int ld, float dloss) {
    llm__cu_ref_ce(x, NULL, (float *)(uintptr_t)lse, logits, targets, N, V, ld, dloss, 2);
}
static void llm__cu_ref_ce_fused(const llm__ctx *x, float *losses, float *lse, float *logits, const int32_t *targets,
                                 size_t N, int V, int ld, float dloss) {
    llm__cu_ref_ce(x, losses, lse, logits, targets, N, V, ld, dloss, 3);
}
__global__ void llm__k_ref_sumsq(double *out, const float *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
    *out = s;
}
static double llm__cu_ref_sumsq(const llm__ctx *x, const float *v, size_t n, double *parts) {
    llm__cu *d = llm__cu_live(x);
    double s = NAN;
    LLM__UNUSED(parts);
    if (!d || !llm__cu_dsum_room(d, 1)) return NAN;
    llm__k_ref_sumsq<<<1, 1, 0, d->stream>>>(d->dsum, v, n);
    llm__cu_launched(d, "ref sumsq");
    if (llm__cu_ok(d, cudaMemcpyAsync(&s, d->dsum, sizeof s, cudaMemcpyDeviceToHost, d->stream), "ref sumsq"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "ref sumsq");
    return s;
}
__global__ void llm__k_ref_argmax(int32_t *out, const float *v, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] != v[i] || v[i] == INFINITY) { best = -1; break; }
        if (v[i] > v[best]) best = i;
    }
    *out = best;
}
static int32_t llm__cu_ref_argmax(const llm__ctx *x, const float *v, int n) {
    llm__cu *d = llm__cu_live(x);
    int32_t r = -1;
    if (!d || n <= 0) return -1;
    llm__k_ref_argmax<<<1, 1, 0, d->stream>>>(d->di, v, n);
    llm__cu_launched(d, "ref argmax");
    if (llm__cu_ok(d, cudaMemcpyAsync(&r, d->di, sizeof r, cudaMemcpyDeviceToHost, d->stream), "ref argmax"))
        llm__cu_ok(d, cudaStreamSynchronize(d->stream), "ref argmax");
    return d->err == LLM_OK ? r : -1;
}

/* =========================================================================================
   >>cuda_tables: a context's life, the parameters' bf16 copy, the device probe, the tables
   ========================================================================================= */
static void llm__cu_fini(llm__ctx *x) {
    llm__cu *d = llm__cud(x);
    if (!d) return;
    if (d->stream) cudaStreamSynchronize(d->stream);
    cudaFree(d->sa); cudaFree(d->sb); cudaFree(d->red); cudaFree(d->att); cudaFree(d->dsum); cudaFree(d->di);
    cudaFree(d->pbf);
    if (d->blas) cublasDestroy(d->blas);
    if (d->stream) cudaStreamDestroy(d->stream);
    (void)cudaGetLastError();   /* a failed context's error is not the next one's */
    llm__dealloc(&d->alloc, d->hi);
    llm__dealloc(&d->alloc, d);
    x->dev = NULL;
}
/* cudaMalloc of n bytes of scratch; out of memory -> LLM_ERR_OUT_OF_MEMORY with a message */
static int llm__cu_scratch(llm__cu *d, void **p, size_t bytes, const char *what) {
    const cudaError_t e = cudaMalloc(p, bytes ? bytes : 1);
    if (e == cudaSuccess) return 1;
    *p = NULL;
    (void)cudaGetLastError();
    llm__cu_fail(d, e == cudaErrorMemoryAllocation ? LLM_ERR_OUT_OF_MEMORY : LLM_ERR_CUDA, what, cudaGetErrorString(e));
    return 0;
}
/* A kernel may use up to the device's opt-in shared memory per block. The attribute belongs
   to the kernel, not to a context, so every context sets the same value (the device's most):
   contexts made on several threads at once cannot shrink it under each other. */
template <typename K> static int llm__cu_smem_attr(llm__cu *d, K kernel, size_t need, int optin, const char *what) {
    if (need > (size_t)optin) {
        llm__cu_fail(d, LLM_ERR_UNSUPPORTED, what, "needs more shared memory than the GPU has");
        return 0;
    }
    return llm__cu_ok(d, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, optin), what);
}
static llm_status llm__cu_init(llm__ctx *x, const llm__ctx_info *info) {
    llm__cu *d = (llm__cu *)llm__calloc(&x->alloc, 1, sizeof *d);
    cudaDeviceProp prop;
    size_t rows, cols, nch;
    int optin;
    if (!d) return LLM_ERR_OUT_OF_MEMORY;
    x->dev = d;
    d->alloc = x->alloc; d->info = *info; d->bf16 = info->bf16;
    d->seed = 0x2545F4914F6CDD1Dull;
    if (!llm__cu_ok(d, cudaGetDevice(&d->dev), "cudaGetDevice") ||
        !llm__cu_ok(d, cudaGetDeviceProperties(&prop, d->dev), "cudaGetDeviceProperties"))
        return d->err;
    snprintf(x->name, sizeof x->name, "cuda:%.70s", prop.name);
    optin = (int)prop.sharedMemPerBlockOptin;
    if (info->head_dim > LLM__CU_MAXHS || (info->n_kv_head > 0 && info->n_head / info->n_kv_head > 64)) {
        llm__cu_fail(d, LLM_ERR_UNSUPPORTED, "llm_cuda.h", "head dims over 256 or query groups over 64 heads");
        return d->err;
    }
    if (!llm__cu_ok(d, cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking), "cudaStreamCreate") ||
        !llm__cu_blas_ok(d, cublasCreate(&d->blas), "cublasCreate") ||
        !llm__cu_blas_ok(d, cublasSetStream(d->blas, d->stream), "cublasSetStream"))
        return d->err;
    rows = info->max_rows ? info->max_rows : 1;
    cols = info->max_cols ? info->max_cols : 1;
    nch = (rows + LLM__CU_ROWS_PER_CHUNK - 1) / LLM__CU_ROWS_PER_CHUNK;
    d->sab = d->bf16 ? LLM__MIN(rows * cols, LLM__CU_CHUNK) : 0;
    d->red_n = 2 * nch * cols;
    d->att_n = LLM__MAX(rows * (size_t)LLM__MAX(info->n_head, 1),
                        (size_t)LLM__CU_DEC_SPLITS * LLM__MAX(info->n_head, 1) * (size_t)(info->head_dim + 2));
    d->di_n = 4 * rows + cols + 2;
    d->hi = (int32_t *)llm__alloc(&d->alloc, d->di_n * sizeof(int32_t));
    if (!d->hi) { llm__cu_fail(d, LLM_ERR_OUT_OF_MEMORY, "llm_cuda.h", "out of host memory"); return d->err; }
    if ((d->sab && (!llm__cu_scratch(d, (void **)&d->sa, d->sab * 2, "bf16 scratch") ||
                    !llm__cu_scratch(d, (void **)&d->sb, d->sab * 2, "bf16 scratch"))) ||
        !llm__cu_scratch(d, (void **)&d->red, d->red_n * sizeof(float), "column-sum scratch") ||
        !llm__cu_scratch(d, (void **)&d->att, d->att_n * sizeof(float), "attention scratch") ||
        !llm__cu_scratch(d, (void **)&d->di, d->di_n * sizeof(int32_t), "index scratch"))
        return d->err;
    /* kernels with more than 48 KB of shared memory */
    if (!llm__cu_smem_attr(d, llm__k_flash_fwd<64>, llm__cu_fwd_smem<64>(), optin, "flash forward") ||
        !llm__cu_smem_attr(d, llm__k_flash_fwd<128>, llm__cu_fwd_smem<128>(), optin, "flash forward") ||
        !llm__cu_smem_attr(d, llm__k_flash_bwd_kv<64>, llm__cu_bkv_smem<64>(), optin, "flash backward") ||
        !llm__cu_smem_attr(d, llm__k_flash_bwd_kv<128>, llm__cu_bkv_smem<128>(), optin, "flash backward") ||
        !llm__cu_smem_attr(d, llm__k_flash_bwd_q<64>, llm__cu_bq_smem<64>(), optin, "flash backward") ||
        !llm__cu_smem_attr(d, llm__k_flash_bwd_q<128>, llm__cu_bq_smem<128>(), optin, "flash backward") ||
        !llm__cu_smem_attr(d, llm__k_kv_attend, info->n_kv_head > 0 ? llm__cu_kv_smem(info->n_head, info->n_kv_head,
                           info->head_dim) : 0, optin, "decode attention"))
        return d->err;
    return d->err;
}
/* the parameters the matmuls read: in bf16 mode a bf16 copy of them is made (and AdamW
   keeps it current) */
static llm_status llm__cu_set_params(const llm__ctx *x, const float *params, size_t n) {
    llm__cu *d = llm__cu_live(x);
    if (!d) return LLM_ERR_CUDA;
    if (!d->bf16) return LLM_OK;
    if (d->pbf && d->pn < n) { cudaFree(d->pbf); d->pbf = NULL; }
    if (!d->pbf && !llm__cu_scratch(d, (void **)&d->pbf, n * 2, "the bf16 copy of the weights")) return d->err;
    d->pbase = params; d->pn = n;
    llm__cu_to_bf16(d, d->pbf, params, n);
    return d->err;
}

static const llm__ops llm__cu_ops_fast = {
    "cuda", 0,
    llm__cu_init, llm__cu_fini, llm__cu_set_params, llm__cu_check,
    llm__cu_alloc, llm__cu_free, llm__cu_upload, llm__cu_download, llm__cu_copy, llm__cu_zero,
    llm__cu_embed_fwd, llm__cu_embed_bwd,
    llm__cu_norm_fwd, llm__cu_norm_bwd,
    llm__cu_matmul_fwd, llm__cu_matmul_bwd,
    llm__cu_rope,
    llm__cu_attn_fwd, llm__cu_attn_bwd, llm__cu_attn_kv,
    llm__cu_gelu_fwd, llm__cu_gelu_bwd, llm__cu_swiglu_fwd, llm__cu_swiglu_bwd,
    llm__cu_add, llm__cu_add_norm,
    llm__cu_ce_fwd, llm__cu_ce_bwd, llm__cu_ce_fused,
    llm__cu_sumsq, llm__cu_adamw, llm__cu_argmax,
    NULL, NULL, NULL, NULL, NULL,   /* scale, head norms, GeGLU: not yet (see llm__backend_lacks) */
    0
};
/* The simple twins (fp32, one thread or warp per output, no shared memory) in place of the
   fast kernels: what tests/gpu_check.sh compares the fast table with. Elementwise ops are
   shared: they are their own simple version. */
static const llm__ops llm__cu_ops_ref = {
    "cuda-ref", 0,
    llm__cu_init, llm__cu_fini, llm__cu_set_params, llm__cu_check,
    llm__cu_alloc, llm__cu_free, llm__cu_upload, llm__cu_download, llm__cu_copy, llm__cu_zero,
    llm__cu_embed_fwd, llm__cu_ref_embed_bwd,
    llm__cu_ref_norm_fwd, llm__cu_ref_norm_bwd,
    llm__cu_ref_matmul_fwd, llm__cu_ref_matmul_bwd,
    llm__cu_rope,
    llm__cu_ref_attn_fwd, llm__cu_ref_attn_bwd, llm__cu_ref_attn_kv,
    llm__cu_gelu_fwd, llm__cu_gelu_bwd, llm__cu_swiglu_fwd, llm__cu_swiglu_bwd,
    llm__cu_add, llm__cu_ref_add_norm,
    llm__cu_ref_ce_fwd, llm__cu_ref_ce_bwd, llm__cu_ref_ce_fused,
    llm__cu_ref_sumsq, llm__cu_adamw, llm__cu_ref_argmax,
    NULL, NULL, NULL, NULL, NULL,
    0
};

/* Whether a GPU can be used, asked once (a C++ function-local constant, made thread-safely
   on first use): a device, compute capability 8.0+, and code in this binary for it. */
typedef struct llm__cu_probe { int ok; char why[200]; char name[112]; } llm__cu_probe;
static llm__cu_probe llm__cu_probe_run(void) {
    llm__cu_probe p;
    cudaDeviceProp prop;
    cudaFuncAttributes fa;
    cudaError_t e;
    int n = 0, dev = 0;
    memset(&p, 0, sizeof p);
    e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        snprintf(p.why, sizeof p.why, "%s", e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device");
        (void)cudaGetLastError();
        return p;
    }
    if ((e = cudaGetDevice(&dev)) != cudaSuccess || (e = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess) {
        snprintf(p.why, sizeof p.why, "%s", cudaGetErrorString(e));
        (void)cudaGetLastError();
        return p;
    }
    if (prop.major < 8) {
        snprintf(p.why, sizeof p.why, "%.60s has compute capability %d.%d; llm_cuda.h needs 8.0 or newer", prop.name,
                 prop.major, prop.minor);
        return p;
    }
    if ((e = cudaFuncGetAttributes(&fa, llm__k_flash_fwd<64>)) != cudaSuccess) {
        snprintf(p.why, sizeof p.why, "%.60s: %.90s (build with nvcc -arch=sm_%d%d)", prop.name, cudaGetErrorString(e),
                 prop.major, prop.minor);
        (void)cudaGetLastError();
        return p;
    }
    p.ok = 1;
    snprintf(p.name, sizeof p.name, "cuda:%.100s", prop.name);
    return p;
}
static const llm__cu_probe *llm__cu_probed(void) {
    static const llm__cu_probe probe = llm__cu_probe_run();
    return &probe;
}
static const llm__ops *llm__cuda_ops(const char **why) {
    const llm__cu_probe *p = llm__cu_probed();
    if (why) *why = p->ok ? NULL : p->why;
    return p->ok ? &llm__cu_ops_fast : NULL;
}
static const char *llm__cuda_name(void) { return llm__cu_probed()->name; }
/* the simple kernels' table, for tests */
LLM__MAYBE_UNUSED static const llm__ops *llm__cuda_ref_ops(void) {
    return llm__cu_probed()->ok ? &llm__cu_ops_ref : NULL;
}

#endif /* LLM_CUDA && LLM_IMPLEMENTATION */
#endif /* LLM_CUDA_H_INCLUDED */
