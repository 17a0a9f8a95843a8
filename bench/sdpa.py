"""bench/sdpa.py - PyTorch's scaled_dot_product_attention (its flash backend where available)
on the shapes of bench/cuda.c's attention table: causal, bf16, 16K tokens per call, 2048
model dims; TFLOP/s forward and backward with FlashAttention-2's flop counts. Prints
figures; tests/gpu_check.sh runs it beside bench_cuda when torch and a GPU are present.
    python3 bench/sdpa.py [--quick]"""
import sys
import torch
import torch.nn.functional as F


def timed(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b) * 1e-3)
    times.sort()
    return times[len(times) // 2]


def main():
    quick = "--quick" in sys.argv
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}")
    print(f"{'D':5} {'T':6} {'B':4} {'NH':4} {'fwd ms':>10} {'bwd ms':>10} {'fwd TFLOP/s':>12} {'bwd TFLOP/s':>12}")
    for D in (64, 128):
        for T in ((1024, 2048) if quick else (1024, 2048, 4096)):
            NH, B = 2048 // D, 16384 // T
            q, k, v = (torch.randn(B, NH, T, D, device="cuda", dtype=torch.bfloat16, requires_grad=True)
                       for _ in range(3))
            do = torch.randn(B, NH, T, D, device="cuda", dtype=torch.bfloat16)
            fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)
            out = fwd()
            tf = timed(fwd, 11)
            tb = timed(lambda: torch.autograd.grad(out, (q, k, v), do, retain_graph=True), 11)
            fl = 4.0 * B * NH * T * T * D / 2
            print(f"{D:<5} {T:<6} {B:<4} {NH:<4} {tf * 1e3:10.3f} {tb * 1e3:10.3f} {fl / tf * 1e-12:12.1f} "
                  f"{2.5 * fl / tb * 1e-12:12.1f}")


if __name__ == "__main__":
    main()
