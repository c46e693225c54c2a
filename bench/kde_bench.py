"""KDE log-likelihood: ouro against scikit-learn's KernelDensity and a plain NumPy log-sum-exp,
side by side on the same data (our own code; see bench/README.md).

    python3 bench/kde_bench.py [--ouro .build/release/ouro] [--h 0.1] [--ntest 500]

For n_train in {1e3, 1e4, 1e5} and d in {2, 3}: blobs-like data (3 isotropic unit Gaussians with
centres uniform in [-10, 10]^d), 500 test points from the same mixture, Gaussian kernel of
bandwidth h. Each contender's time is the best of 3 runs of fit + log-density; values are compared
with the largest relative difference. Prints a Markdown table.
"""
import argparse, os, subprocess, sys, tempfile, time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
from sklearn.neighbors import KernelDensity


def mixture(rng, n, d, centres):
    labels = rng.integers(0, len(centres), n)
    return centres[labels] + rng.standard_normal((n, d))


def numpy_logdensity(train, test, h, chunk=2000):
    """Streaming log-sum-exp over chunks of training points (no n_test × n_train matrix)."""
    n, d = train.shape
    run_max = np.full(len(test), -np.inf)
    run_sum = np.zeros(len(test))
    for start in range(0, n, chunk):
        t = train[start:start + chunk]
        v = -((test[:, None, :] - t[None, :, :]) ** 2).sum(-1) / (2 * h * h)
        m = np.maximum(run_max, v.max(1))
        run_sum = run_sum * np.exp(run_max - m) + np.exp(v - m[:, None]).sum(1)
        run_max = m
    return run_max + np.log(run_sum) - np.log(n) - 0.5 * d * np.log(2 * np.pi * h * h)


def best_of(k, f):
    best, out = float("inf"), None
    for _ in range(k):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ouro", default=".build/release/ouro")
    ap.add_argument("--h", type=float, default=0.1)
    ap.add_argument("--ntest", type=int, default=500)
    args = ap.parse_args()
    import sklearn
    print(f"KDE log-likelihood, h = {args.h}, {args.ntest} test points; NumPy {np.__version__}, "
          f"scikit-learn {sklearn.__version__} (single-threaded); ouro on {os.cpu_count()} cores")
    print()
    print("| n_train | d | scikit-learn s | NumPy s | ouro s | vs scikit-learn | vs NumPy | max rel. diff vs NumPy | vs scikit-learn: median rel. diff, share within 1e-9 |")
    print("|---|---|---|---|---|---|---|---|---|")
    tmp = tempfile.mkdtemp()
    for d in (2, 3):
        for n in (1000, 10000, 100000):
            rng = np.random.default_rng(n + d)
            centres = rng.uniform(-10, 10, (3, d))
            train, test = mixture(rng, n, d, centres), mixture(rng, args.ntest, d, centres)
            np.save(f"{tmp}/train.npy", train); np.save(f"{tmp}/test.npy", test)
            t_sk, v_sk = best_of(3, lambda: KernelDensity(kernel="gaussian", bandwidth=args.h).fit(train).score_samples(test))
            t_np, v_np = best_of(3, lambda: numpy_logdensity(train, test, args.h))
            r = subprocess.run([args.ouro, "run", "bench/kde_eval.lua", f"{tmp}/train.npy", f"{tmp}/test.npy", str(args.h), f"{tmp}/out.npy"],
                               capture_output=True, text=True, check=True)
            t_o = float(r.stdout.strip().splitlines()[-1])
            v_o = np.load(f"{tmp}/out.npy")
            rel = lambda a, b: np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
            r_sk = rel(v_o, v_sk)
            print(f"| {n} | {d} | {t_sk:.3f} | {t_np:.3f} | {t_o:.4f} | {t_sk / t_o:.1f}x | {t_np / t_o:.1f}x | "
                  f"{rel(v_o, v_np).max():.1e} | {np.median(r_sk):.1e}, {(r_sk <= 1e-9).mean():.1%} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
