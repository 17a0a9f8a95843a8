#!/usr/bin/env python3
"""Generates tests/data/{gpt2,llama}_lora.bin: PyTorch (float64) references for LoRA training.

Run with Debian's python3 (python3-torch, python3-numpy):  /usr/bin/python3 tests/ref/gen_lora_fixtures.py
A tiny model (as in gen_model_fixtures.py) gets low-rank adapters on the given matrices:
W x + (alpha / r) B (A x), A (r, in) drawn here, B (out, r) = 0. Only A and B are trained
(AdamW with decoupled weight decay on both, global-norm clipping over them, warmup + cosine),
on targets where some positions are -1 (ignored: the loss is the mean over the others, as
instruction tuning counts only the response). The C test (tests/test_adapt.c) loads the base
parameters and the initial adapter, trains with llm.h in fp32 and compares the step losses,
gradient norms and the adapter after the steps; the base must not change at all.

File layout (little-endian):
  b"LLMR" int32 version=1
  int32 cfg[12] = arch(0 gpt2, 1 llama), L, NH, NKV, C, H, V, Vp, maxT, untied, B, T
  float32 opt[7] = lr, weight_decay, grad_clip, beta1, beta2, eps, min_lr_frac
  int32 warmup, total_steps, n_steps, rank, targets (llm.h's LLM_LORA_* mask) ; float32 alpha
  int32 inputs[B*T], targets[B*T]      (-1: ignored)
  float32 params[n]                     the base, in llm.h's tensor-table order
  float32 lora0[nl]                     the adapter, in llm.h's order: per layer, per target
                                        (Q K V O GATE UP DOWN; GPT-2: QKV O UP DOWN): A, then B
  float64 step_losses[n_steps], step_norms[n_steps], lora_final[nl]
"""
import os, struct, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_model_fixtures import tensor_table, init_params, forward, lr_at, OUT  # noqa: E402

torch.set_default_dtype(torch.float64)

# (llm.h bit, Llama tensor, GPT-2 tensor) in llm.h's slot order
LLAMA = [(1, "wq"), (2, "wk"), (4, "wv"), (8, "wo"), (16, "w1"), (32, "w3"), (64, "w2")]
GPT2 = [(7, "qkvw"), (8, "attprojw"), (32, "fcw"), (64, "fcprojw")]


def make(fname, cfg, B, T, opt, rank, alpha, mask, seed):
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    lr, wd, clip, b1, b2, eps, min_frac, warmup, total, n_steps = opt
    gen = torch.Generator().manual_seed(seed)
    P = init_params(cfg, gen)
    for p in P.values():
        p.requires_grad_(False)
    table = tensor_table(cfg)
    params0 = np.concatenate([P[n].numpy().astype(np.float32).ravel() for n, _ in table])
    idx = torch.randint(0, V, (B, T + 1), generator=gen)
    inputs, targets = idx[:, :T], idx[:, 1:].clone()
    targets[:, : T // 3] = -1  # a "prompt" of each row is not learned
    targets[0, T // 2] = -1
    # the adapters: A ~ U(-1/sqrt(in), 1/sqrt(in)) rounded to float32, B = 0
    ad = []  # (layer, tensor name, A, B)
    for l in range(L):
        for bit, name in (GPT2 if arch == 0 else LLAMA):
            if not (mask & bit):
                continue
            out_, in_ = P[f"{l}.{name}"].shape
            a = ((torch.rand((rank, in_), generator=gen) * 2 - 1) / in_ ** 0.5).float().double().requires_grad_(True)
            b = torch.zeros((out_, rank)).requires_grad_(True)
            ad.append((l, name, a, b))
    lora0 = np.concatenate([np.concatenate([a.detach().numpy().ravel(), b.detach().numpy().ravel()])
                            for _, _, a, b in ad]).astype(np.float32)
    s = alpha / rank

    def fwd():
        Q = dict(P)
        for l, name, a, b in ad:  # W x + s B (A x) == (W + s B A) x
            Q[f"{l}.{name}"] = P[f"{l}.{name}"] + s * (b @ a)
        return forward(cfg, Q, inputs)

    params = [t for _, _, a, b in ad for t in (a, b)]
    optim = torch.optim.AdamW(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    losses, norms = [], []
    for step in range(n_steps):
        for g in optim.param_groups:
            g["lr"] = lr_at(step, lr, warmup, total, min_frac)
        optim.zero_grad()
        lg = fwd()
        loss = torch.nn.functional.cross_entropy(lg.reshape(-1, V), targets.reshape(-1), ignore_index=-1)
        loss.backward()
        n = torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else float("inf"))
        optim.step()
        losses.append(loss.item())
        norms.append(float(n))
    final = np.concatenate([np.concatenate([a.detach().numpy().ravel(), b.detach().numpy().ravel()])
                            for _, _, a, b in ad])
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(b"LLMR" + struct.pack("<i", 1))
        f.write(struct.pack("<12i", arch, L, NH, NKV, C, H, V, Vp, maxT, untied, B, T))
        f.write(struct.pack("<7f", lr, wd, clip, b1, b2, eps, min_frac))
        f.write(struct.pack("<5i", warmup, total, n_steps, rank, mask))
        f.write(struct.pack("<f", alpha))
        f.write(inputs.numpy().astype("<i4").tobytes())
        f.write(targets.numpy().astype("<i4").tobytes())
        f.write(params0.astype("<f4").tobytes())
        f.write(lora0.astype("<f4").tobytes())
        f.write(np.array(losses, "<f8").tobytes())
        f.write(np.array(norms, "<f8").tobytes())
        f.write(final.astype("<f8").tobytes())
    print(f"{fname}: {params0.size} base + {lora0.size} adapter params, losses {['%.5f' % x for x in losses]}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    # GPT-2: attn_qkv, attn_output, ffn_up, ffn_down; rank 3, alpha 6
    make("gpt2_lora.bin", (0, 2, 4, 4, 32, 128, 61, 64, 16, 0), B=3, T=11,
         opt=(1e-2, 0.1, 1.0, 0.9, 0.95, 1e-8, 0.1, 2, 6, 6), rank=3, alpha=6.0, mask=7 | 8 | 32 | 64, seed=11)
    # Llama with GQA: all seven matrices; rank 4, alpha 8; clipping active
    make("llama_lora.bin", (1, 2, 4, 2, 32, 40, 53, 53, 80, 1), B=2, T=20,
         opt=(5e-3, 0.05, 0.05, 0.9, 0.95, 1e-8, 0.0, 2, 5, 5), rank=4, alpha=8.0, mask=127, seed=12)
