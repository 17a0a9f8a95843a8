#!/usr/bin/env python3
"""Generates tests/data/{gpt2,llama}_tiny.bin: PyTorch (float64) references for tiny models.

Run with Debian's python3 (python3-torch, python3-numpy):  /usr/bin/python3 tests/ref/gen_model_fixtures.py
The C test (tests/test_core.c) loads the initial parameters, runs llm.h in fp32 and compares
logits, loss, every parameter gradient, and the losses/norms/parameters after several AdamW
steps with weight decay, clipping and warmup+cosine, against these float64 values.

File layout (little-endian):
  b"LLMF" int32 version=1
  int32 cfg[12] = arch(0 gpt2, 1 llama), L, NH, NKV, C, H, V, Vp, maxT, untied, B, T
  float32 opt[6] = lr, weight_decay, grad_clip, beta1, beta2, eps ; float32 min_lr_frac
  int32 warmup, total_steps, n_steps
  int32 inputs[B*T], targets[B*T]
  float32 params[n]                  initial parameters, in llm.h's tensor-table order
  float64 logits[B*T*V], loss, grads[n]
  float64 step_losses[n_steps], step_norms[n_steps], final_params[n]
"""
import math, os, struct, sys
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data")


def tensor_table(cfg):
    """(name, shape) in llm.h's storage order."""
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    hs = C // NH
    kvC = NKV * hs
    t = [("wte", (Vp, C))]
    if arch == 0:
        t.append(("wpe", (maxT, C)))
    for l in range(L):
        if arch == 0:
            t += [(f"{l}.ln1w", (C,)), (f"{l}.ln1b", (C,)), (f"{l}.qkvw", (3 * C, C)), (f"{l}.qkvb", (3 * C,)),
                  (f"{l}.attprojw", (C, C)), (f"{l}.attprojb", (C,)), (f"{l}.ln2w", (C,)), (f"{l}.ln2b", (C,)),
                  (f"{l}.fcw", (H, C)), (f"{l}.fcb", (H,)), (f"{l}.fcprojw", (C, H)), (f"{l}.fcprojb", (C,))]
        else:
            t += [(f"{l}.ln1w", (C,)), (f"{l}.wq", (C, C)), (f"{l}.wk", (kvC, C)), (f"{l}.wv", (kvC, C)),
                  (f"{l}.wo", (C, C)), (f"{l}.ln2w", (C,)), (f"{l}.w1", (H, C)), (f"{l}.w3", (H, C)),
                  (f"{l}.w2", (C, H))]
    t.append(("lnfw", (C,)))
    if arch == 0:
        t.append(("lnfb", (C,)))
    if untied:
        t.append(("head", (Vp, C)))
    return t


def init_params(cfg, gen):
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    P = {}
    for name, shape in tensor_table(cfg):
        if len(shape) == 1:
            # norms near 1 and biases near 0, but random so their gradients are tested
            base = 1.0 if name.endswith(("ln1w", "ln2w", "lnfw")) else 0.0
            p = base + 0.1 * torch.randn(shape, generator=gen)
        else:
            p = 0.2 * torch.randn(shape, generator=gen)
            if name in ("wte", "head"):
                p[V:] = 0.0  # padded rows
        # round to float32 so C and PyTorch start from identical values
        P[name] = p.float().double().requires_grad_(True)
    return P


def rope(x, T, hs, theta=10000.0):
    # adjacent pairs (2i, 2i+1); frequencies computed in float32 like llama2.c / llm.h
    i = torch.arange(0, hs // 2, dtype=torch.float32)
    freq = 1.0 / torch.pow(torch.tensor(theta, dtype=torch.float32), (2 * i) / hs)
    ang = torch.arange(T, dtype=torch.float32)[:, None] * freq[None, :]
    cos, sin = torch.cos(ang).double(), torch.sin(ang).double()  # (T, hs/2)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    y0 = x0 * cos - x1 * sin
    y1 = x0 * sin + x1 * cos
    return torch.stack([y0, y1], dim=-1).flatten(-2)


def forward(cfg, P, idx):
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    B, T = idx.shape
    hs = C // NH
    kvC = NKV * hs
    x = P["wte"][idx]
    if arch == 0:
        x = x + P["wpe"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def norm(x, w, b):
        if arch == 0:
            return torch.nn.functional.layer_norm(x, (C,), w, b, eps=1e-5)
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5) * w

    for l in range(L):
        h = norm(x, P[f"{l}.ln1w"], P.get(f"{l}.ln1b"))
        if arch == 0:
            qkv = h @ P[f"{l}.qkvw"].T + P[f"{l}.qkvb"]
            q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
        else:
            q, k, v = h @ P[f"{l}.wq"].T, h @ P[f"{l}.wk"].T, h @ P[f"{l}.wv"].T
        q = q.view(B, T, NH, hs).transpose(1, 2)
        k = k.view(B, T, NKV, hs).transpose(1, 2)
        v = v.view(B, T, NKV, hs).transpose(1, 2)
        if arch == 1:
            q, k = rope(q, T, hs), rope(k, T, hs)
            k = k.repeat_interleave(NH // NKV, dim=1)
            v = v.repeat_interleave(NH // NKV, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        if arch == 0:
            x = x + y @ P[f"{l}.attprojw"].T + P[f"{l}.attprojb"]
        else:
            x = x + y @ P[f"{l}.wo"].T
        h = norm(x, P[f"{l}.ln2w"], P.get(f"{l}.ln2b"))
        if arch == 0:
            u = torch.nn.functional.gelu(h @ P[f"{l}.fcw"].T + P[f"{l}.fcb"], approximate="tanh")
            x = x + u @ P[f"{l}.fcprojw"].T + P[f"{l}.fcprojb"]
        else:
            u = torch.nn.functional.silu(h @ P[f"{l}.w1"].T) * (h @ P[f"{l}.w3"].T)
            x = x + u @ P[f"{l}.w2"].T
    x = norm(x, P["lnfw"], P.get("lnfb"))
    head = P["head"] if untied else P["wte"]
    return x @ head[:V].T  # logits over the real vocab only


def lr_at(step, lr, warmup, total, min_frac):
    if step < warmup:
        return lr * (step + 1) / warmup
    if total <= warmup:
        return lr
    if step >= total:
        return lr * min_frac
    r = (step - warmup) / (total - warmup)
    return lr * min_frac + 0.5 * (1 + math.cos(math.pi * r)) * (lr - lr * min_frac)


def make(fname, cfg, B, T, opt, seed):
    arch, L, NH, NKV, C, H, V, Vp, maxT, untied = cfg
    lr, wd, clip, b1, b2, eps, min_frac, warmup, total, n_steps = opt
    gen = torch.Generator().manual_seed(seed)
    P = init_params(cfg, gen)
    table = tensor_table(cfg)
    params0 = np.concatenate([P[n].detach().numpy().astype(np.float32).ravel() for n, _ in table])
    idx = torch.randint(0, V, (B, T + 1), generator=gen)
    inputs, targets = idx[:, :T], idx[:, 1:]
    logits = forward(cfg, P, inputs)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    loss.backward()
    grads = np.concatenate([P[n].grad.numpy().ravel() for n, _ in table])
    logits_np = logits.detach().numpy().ravel()
    loss0 = loss.item()
    # AdamW steps: decay only on 2-D tensors
    for p in P.values():
        p.grad = None
    decay = [P[n] for n, s in table if len(s) == 2]
    nodecay = [P[n] for n, s in table if len(s) == 1]
    optim = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": nodecay, "weight_decay": 0.0}],
                              lr=lr, betas=(b1, b2), eps=eps)
    losses, norms = [], []
    for step in range(n_steps):
        for g in optim.param_groups:
            g["lr"] = lr_at(step, lr, warmup, total, min_frac)
        optim.zero_grad()
        lg = forward(cfg, P, inputs)
        l = torch.nn.functional.cross_entropy(lg.reshape(-1, V), targets.reshape(-1))
        l.backward()
        n = torch.nn.utils.clip_grad_norm_(list(P.values()), clip if clip > 0 else float("inf"))
        optim.step()
        losses.append(l.item())
        norms.append(float(n))
    final = np.concatenate([P[n].detach().numpy().ravel() for n, _ in table])
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(b"LLMF" + struct.pack("<i", 1))
        f.write(struct.pack("<12i", arch, L, NH, NKV, C, H, V, Vp, maxT, untied, B, T))
        f.write(struct.pack("<7f", lr, wd, clip, b1, b2, eps, min_frac))
        f.write(struct.pack("<3i", warmup, total, n_steps))
        f.write(inputs.numpy().astype("<i4").tobytes())
        f.write(targets.numpy().astype("<i4").tobytes())
        f.write(params0.astype("<f4").tobytes())
        f.write(logits_np.astype("<f8").tobytes())
        f.write(struct.pack("<d", loss0))
        f.write(grads.astype("<f8").tobytes())
        f.write(np.array(losses, "<f8").tobytes())
        f.write(np.array(norms, "<f8").tobytes())
        f.write(final.astype("<f8").tobytes())
    print(f"{fname}: {params0.size} params, loss {loss0:.6f}, step losses {['%.5f' % x for x in losses]}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    # tiny GPT-2: padded vocab (61 -> 64), tied head; clipping active (clip below the norm)
    make("gpt2_tiny.bin", (0, 2, 4, 4, 32, 128, 61, 64, 16, 0), B=3, T=11,
         opt=(1e-2, 0.1, 1.0, 0.9, 0.95, 1e-8, 0.1, 2, 6, 6), seed=1)
    # tiny Llama: GQA (4 heads, 2 kv heads), odd hidden size 40, untied head, T=70 > tile sizes
    make("llama_tiny.bin", (1, 2, 4, 2, 32, 40, 53, 53, 80, 1), B=2, T=70,
         opt=(5e-3, 0.05, 0.5, 0.9, 0.95, 1e-8, 0.0, 2, 5, 5), seed=2)
