#!/usr/bin/env python3
"""NumPy peer for the Gaussian model-collapse benchmark.

A plain NumPy implementation of the Gaussian model-collapse procedure of
Kazdan et al. 2024 ("Collapse or Thrive?", arXiv 2410.16713, Fig. 1), used as
the reference that the Swift implementation in Ouroboros is timed against.

For one (d, n, workflow, seed):
  * truth mu0 = 0, Sigma0 = I_d; n real samples from N(mu0, Sigma0) drawn with
    rng = np.random.default_rng(seed);
  * generation 1 fits (mean, MLE covariance / N) on the real data;
  * after fitting generation t, n synthetic samples are drawn from
    N(mu_t, Sigma_t) and appended to the pool, tagged with generation t;
  * generation t >= 2 refits on the training set chosen by the workflow:
      replace               samples drawn from generation t-1 only,
      accumulate            real data + every synthetic sample so far,
      accumulate-subsample  n rows drawn without replacement from that pool;
  * per generation: mean_sq_err = |mu_t - mu0|^2,
    cov_trace_ratio = tr Sigma_t / tr Sigma0.

Usage:
  python3 bench/gaussian_numpy.py --dims 10 --ns 100 \
      --workflows replace,accumulate,accumulate-subsample \
      --seeds 20 --generations 100 [--threads 1]
  python3 bench/gaussian_numpy.py --check

Written from scratch for Ouroboros.
"""

import os
import sys


def _threads_from_argv(argv):
    """Read --threads before numpy is imported (BLAS reads the env at load)."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


_THREADS = _threads_from_argv(sys.argv[1:])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

WORKFLOWS = ("replace", "accumulate", "accumulate-subsample")


def fit(x):
    """Sample mean and MLE covariance (divide by N), as np.cov(bias=True)."""
    mu = x.mean(axis=0)
    xc = x - mu
    cov = (xc.T @ xc) / x.shape[0]
    return mu, cov


def sample(rng, mu, cov, n):
    try:
        return rng.multivariate_normal(mu, cov, size=n, method="cholesky")
    except np.linalg.LinAlgError:
        # Covariance not positive definite (e.g. n <= d): fall back to eigh.
        return rng.multivariate_normal(mu, cov, size=n, method="eigh")


def run(d, n, workflow, seed, generations):
    """One chain. Returns (mean_sq_err, cov_trace_ratio), each of shape (G,)."""
    if workflow not in WORKFLOWS:
        raise ValueError(f"unknown workflow {workflow!r}")
    rng = np.random.default_rng(seed)
    mu0 = np.zeros(d)
    sigma0 = np.eye(d)
    tr0 = np.trace(sigma0)

    # Pool: block 0 = real data, block k = samples drawn from generation k.
    # Only generations 1..G-1 feed a later fit, so G blocks suffice.
    pool = np.empty((n * generations, d))
    tag = np.empty(n * generations, dtype=np.int64)
    pool[:n] = sample(rng, mu0, sigma0, n)
    tag[:n] = 0

    mse = np.empty(generations)
    ratio = np.empty(generations)
    for t in range(1, generations + 1):
        filled = n * t  # rows in the pool: real + generations 1..t-1
        if t == 1 or workflow == "accumulate":
            x = pool[:filled]
        elif workflow == "replace":
            x = pool[filled - n:filled]  # the block tagged t-1
        else:  # accumulate-subsample
            x = pool[rng.choice(filled, n, replace=False)]

        mu, cov = fit(x)
        diff = mu - mu0
        mse[t - 1] = diff @ diff
        ratio[t - 1] = np.trace(cov) / tr0

        if t < generations:  # the last generation's samples would go unused
            pool[filled:filled + n] = sample(rng, mu, cov, n)
            tag[filled:filled + n] = t
    return mse, ratio


def simulate(dims, ns, workflows, seeds, generations):
    """Run the grid; returns {key: (mse[S, G], ratio[S, G])} and seconds."""
    out = {}
    start = time.perf_counter()
    for d in dims:
        for n in ns:
            for wf in workflows:
                mse = np.empty((seeds, generations))
                ratio = np.empty((seeds, generations))
                for s in range(seeds):
                    mse[s], ratio[s] = run(d, n, wf, s, generations)
                out[f"{wf}/d{d}/n{n}"] = (mse, ratio)
    seconds = time.perf_counter() - start
    return out, seconds


def theory(workflow, d, n, generations):
    """Closed-form E[mean_sq_err_t], E[cov_trace_ratio_t] for t = 1..G."""
    t = np.arange(1, generations + 1)
    tr0 = float(d)  # tr Sigma0 = tr I_d
    if workflow == "replace":
        ratio = (1.0 - 1.0 / n) ** t
        mse = tr0 * (1.0 - ratio)
    elif workflow == "accumulate":
        ratio = np.cumprod(1.0 - 1.0 / (n * t**2))
        prev = np.concatenate(([1.0], ratio[:-1]))  # E tr Sigma_{t-1} / tr0
        mse = np.cumsum(tr0 * prev / t**2) / n
    else:
        return None
    return mse, ratio


def check():
    d, n, seeds, generations = 3, 20, 1000, 10
    res, seconds = simulate([d], [n], WORKFLOWS, seeds, generations)
    failures = []
    print(f"check: d={d} n={n} seeds={seeds} generations={generations} "
          f"({seconds:.2f} s)")
    hdr = (f"{'workflow':<21} {'t':>3} {'metric':<16} {'simulated':>10} "
           f"{'theory':>10} {'stderr':>9} {'z':>7}")
    print(hdr)
    print("-" * len(hdr))
    for wf in WORKFLOWS:
        mse, ratio = res[f"{wf}/d{d}/n{n}"]
        th = theory(wf, d, n, generations)
        for t in range(generations):
            for name, sim, k in (("mean_sq_err", mse, 0),
                                 ("cov_trace_ratio", ratio, 1)):
                m = sim[:, t].mean()
                se = sim[:, t].std(ddof=1) / np.sqrt(seeds)
                if th is None:
                    print(f"{wf:<21} {t + 1:>3} {name:<16} {m:>10.5f} "
                          f"{'n/a':>10} {se:>9.5f} {'':>7}")
                    continue
                exp = th[k][t]
                z = (m - exp) / se
                flag = "" if abs(z) <= 4 else "  FAIL"
                if flag:
                    failures.append((wf, t + 1, name, m, exp, z))
                print(f"{wf:<21} {t + 1:>3} {name:<16} {m:>10.5f} "
                      f"{exp:>10.5f} {se:>9.5f} {z:>7.2f}{flag}")
    assert not failures, f"closed-form check failed: {failures}"
    print("check passed: all |z| <= 4")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dims", default="10")
    p.add_argument("--ns", default="100")
    p.add_argument("--workflows", default=",".join(WORKFLOWS))
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--generations", type=int, default=100)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--check", action="store_true",
                   help="validate against closed forms (d=3, n=20, 1000 seeds)")
    a = p.parse_args()

    if a.check:
        check()
        return

    dims = [int(v) for v in a.dims.split(",")]
    ns = [int(v) for v in a.ns.split(",")]
    workflows = [w.strip() for w in a.workflows.split(",")]
    for w in workflows:
        if w not in WORKFLOWS:
            p.error(f"unknown workflow {w!r}; choose from {', '.join(WORKFLOWS)}")

    res, seconds = simulate(dims, ns, workflows, a.seeds, a.generations)
    summary = {
        key: {"mean_sq_err_final": float(mse[:, -1].mean()),
              "cov_trace_ratio_final": float(ratio[:, -1].mean())}
        for key, (mse, ratio) in res.items()
    }
    print(json.dumps({
        "seconds": seconds,
        "runs": len(dims) * len(ns) * len(workflows) * a.seeds,
        "generations": a.generations,
        "summary": summary,
        "numpy": np.__version__,
        "threads": a.threads,
    }))


if __name__ == "__main__":
    main()
