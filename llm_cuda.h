/* llm_cuda.h - the CUDA backend of llm.h (NVIDIA GPUs, compiled with nvcc).

   Status: not implemented yet. The backend (cuBLAS(Lt) matmuls, hand-written kernels for the
   other ops, FlashAttention-style fused attention) arrives with its own issue. Until then this
   header only checks that it is used correctly, so build scripts can already include it.

   Use (once implemented): include llm.h first, then this file, in the one translation unit
   that defines LLM_IMPLEMENTATION and LLM_CUDA, compiled by nvcc:
       #define LLM_IMPLEMENTATION
       #define LLM_CUDA
       #include "llm.h"
       #include "llm_cuda.h"
*/
#ifndef LLM_CUDA_H_INCLUDED
#define LLM_CUDA_H_INCLUDED
#ifndef LLM_H_INCLUDED
#error "llm_cuda.h: include llm.h before llm_cuda.h"
#endif
#ifdef LLM_CUDA
#error "llm_cuda.h: the CUDA backend is not implemented yet (it arrives with its own issue); build without LLM_CUDA to use the CPU backend"
#endif
#endif
