"""What our PyTorch peers in bench/ share: importing torch with a fixed thread count (or printing a
"skipped" line when it is not installed), and reading Debian's Fashion-MNIST IDX files."""
import gzip, json, os, sys


def torch_with_threads(threads, seed=0):
    """torch, limited to `threads` threads and seeded; exits with a JSON "skipped" line without it."""
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[v] = str(threads)
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"skipped": f"PyTorch is not installed ({e}); pip install torch"}))
        sys.exit(0)
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return torch


def idx(path):
    """The array in an IDX file (gzip), as NumPy."""
    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion_mnist(torch, data, split):
    """Images (n × 784 float32 in [0, 1]) and labels (int64) of a split ("train" or "t10k")."""
    import numpy as np
    x = torch.from_numpy(idx(f"{data}/{split}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(idx(f"{data}/{split}-labels-idx1-ubyte.gz").astype(np.int64))
    return x, y
