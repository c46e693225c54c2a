# Shared by the bench/*_bench.sh scripts: read one field of a JSON line, and the best of numbers.
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1', 'nan'))"; }
best() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:] if x != 'nan']; print(max(v) if v else 'nan')" "$@"; }
# ouro picks OpenBLAS's kernels from the CPU's flags (SkylakeX with AVX-512, Haswell with AVX2) unless
# OPENBLAS_CORETYPE is set; benchmarks measure ouro's own choice, so an inherited setting is dropped.
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  echo "(OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE in the environment: unset for the benchmark, so that ouro picks the kernels for this CPU)"
  unset OPENBLAS_CORETYPE
fi
torch_note() {
  if ! python3 -c 'import torch' 2>/dev/null; then
    echo "PyTorch is not installed (python3 -m pip install torch): only ouro's numbers follow."
  fi
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); torch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo absent)"
}
