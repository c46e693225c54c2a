# Shared by the bench/*_bench.sh scripts: read one field of a JSON line, and the best of numbers.
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1', 'nan'))"; }
best() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:] if x != 'nan']; print(max(v) if v else 'nan')" "$@"; }
# speed_rows THREADS FORMAT OURO_CMD PEER_CMD LABEL OURO_FIELD PEER_FIELD [LABEL OURO_FIELD PEER_FIELD …]
# Runs the two commands (shell text; $t is the thread count) three times, alternating, and prints a
# Markdown row | LABEL | t | ouro | peer | ratio | per label: the best value of each side's field
# (FORMAT: a Python format spec for the values, e.g. .0f) and ouro's over the peer's.
speed_rows() {
  local t=$1 fmt=$2 ocmd=$3 pcmd=$4; shift 4
  local outs=() peers=() rep
  for rep in 1 2 3; do outs+=("$(eval "$ocmd")"); peers+=("$(eval "$pcmd")"); done
  while [ $# -ge 3 ]; do
    local label=$1 of=$2 pf=$3 ov=() pv=() x bo bp; shift 3
    for x in "${outs[@]}"; do ov+=("$(echo "$x" | field "$of")"); done
    for x in "${peers[@]}"; do pv+=("$(echo "$x" | field "$pf")"); done
    bo=$(best "${ov[@]}"); bp=$(best "${pv[@]}")
    python3 -c "o, p = float('$bo'), float('$bp'); print(f'| $label | $t | {o:$fmt} | {p:$fmt} | {o / p:.2f}x |')"
  done
}
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
