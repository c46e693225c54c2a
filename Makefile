# Ouroboros — two commands on a fresh Debian machine:
#   make demo   installs missing system packages, builds (release) and runs scripts/quickstart.lua
#   make test   the same set-up, then the whole test suite
SWIFT      ?= swift
CONFIG     ?= release
APT_PKGS    = liblua5.4-dev libopenblas-dev liblapacke-dev libedit-dev zlib1g-dev libpng-dev libdnnl-dev pkg-config
PKGCONFIG   = lua5.4 openblas lapacke libedit zlib libpng
# Real data the scripts and tests read: Fashion-MNIST (IDX files) and the fortunes corpus from Debian.
DATA_PKGS   = dataset-fashion-mnist fortunes fortunes-min
DATA_FILES  = /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz /usr/share/games/fortunes/riddles /usr/share/games/fortunes/computers
SUDO       := $(shell [ "$$(id -u)" != 0 ] && command -v sudo)
BIN         = .build/$(CONFIG)/ouro
# The OpenBLAS kernels `ouro` picks for this CPU (see blasCoreType in Sources/ouro/main.swift), so
# that in-process tests run the same kernels as the tool.
BLAS_CORE  := $(shell grep -qw avx512bw /proc/cpuinfo 2>/dev/null && echo SkylakeX || { grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo Haswell; })
TEST_ENV    = OURO_BIN=$(abspath $(BIN)) OURO_REQUIRE_BIN=1 $(if $(BLAS_CORE),OPENBLAS_CORETYPE=$(BLAS_CORE))

.PHONY: all deps build demo test test-resume test-slurm fuzz test-deps docs bench bench-gaussian bench-kde bench-nn bench-sweep memcheck clean

all: build

## deps: install the Debian packages the build needs, only when missing
deps:
	@if ! pkg-config --exists $(PKGCONFIG) 2>/dev/null || [ ! -f /usr/include/oneapi/dnnl/dnnl.h ]; then \
	  echo "== installing system packages: $(APT_PKGS)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); \
	fi
	@if ! ls $(DATA_FILES) >/dev/null 2>&1; then \
	  echo "== installing data packages: $(DATA_PKGS)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DATA_PKGS); \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

demo: build
	$(BIN) run scripts/quickstart.lua

## test-deps: tmux drives the REPL through a real pseudo-terminal in the tests; headless Chromium
## renders `ouro report`'s pages
test-deps:
	@command -v tmux >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq tmux; }
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	@python3 -c 'import safetensors, numpy' 2>/dev/null || python3 -m pip install -q safetensors numpy 2>/dev/null || echo "(safetensors for Python not installable: its interoperability test is skipped)"

test: build test-deps
	$(TEST_ENV) $(SWIFT) test -c $(CONFIG)

## test-resume: kill -9 at random moments for every model × workflow, then resume (run by CI)
test-resume: build
	$(TEST_ENV) OURO_RESUME_MATRIX=1 $(SWIFT) test -c $(CONFIG) --filter ResumeMatrixTests

## test-slurm: a sweep through a real one-node Slurm cluster on loopback (run by CI); skipped with a
## message where slurm-wlm and munge cannot be installed
test-slurm: build
	@if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then \
	  echo "== installing slurm-wlm and munge"; \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq slurm-wlm munge; } \
	    || echo "test-slurm: cannot install slurm-wlm and munge"; \
	fi
	Tests/slurm/test-slurm.sh $(BIN)

## fuzz: the random-call fuzz of `make test`, longer (FUZZ_SECONDS per seed, FUZZ_SEEDS seeds)
FUZZ_SECONDS ?= 60
FUZZ_SEEDS   ?= 16
fuzz: build
	OURO_BIN=$(abspath $(BIN)) OURO_REQUIRE_BIN=1 OURO_FUZZ_SECONDS=$(FUZZ_SECONDS) OURO_FUZZ_SEEDS=$(FUZZ_SEEDS) $(SWIFT) test -c $(CONFIG) --filter FuzzTests

## bench: the speed numbers recorded in BENCHMARKS.md (run on a quiet machine)
bench: build
	$(BIN) bench

## bench-gaussian: the Gaussian grid slice against the NumPy reference (needs python3 with numpy)
bench-gaussian: build
	@python3 -c "import numpy" 2>/dev/null || pip install numpy
	bench/gaussian_bench.sh 100 100

## bench-kde: KDE log-likelihood against scikit-learn and NumPy (installs scikit-learn from PyPI if missing)
## bench-nn: MLP, conv, VAE, GPT and diffusion training (and sampling) against our PyTorch scripts (installs torch from PyPI for the benchmark only)
bench-nn: build
	@python3 -c "import torch" 2>/dev/null || python3 -m pip install torch || echo "(PyTorch not installable: ouro's numbers only)"
	bench/nn_bench.sh 300 30
	bench/vae_bench.sh 12800
	bench/gpt_bench.sh 300 30 64
	bench/diffusion_bench.sh 3000 500

bench-kde: build
	@python3 -c "import sklearn" 2>/dev/null || pip install scikit-learn
	python3 bench/kde_bench.py --ouro $(BIN)

## bench-sweep: what a sweep's task costs beyond its work (100 Gaussian tasks on 2 workers against one process)
bench-sweep: build
	bench/sweep_bench.sh "100 300 1000 3000"

## docs: regenerate docs/API.md from the bindings' help text (a test checks it is current)
docs: build
	$(BIN) docs --markdown > docs/API.md

clean:
	rm -rf .build

## memcheck: run every Tests/lua file under valgrind (debug info stripped: valgrind 3.19 cannot read
## Swift's DWARF 5; OPENBLAS_NUM_THREADS set so that ouro does not re-exec itself under valgrind)
memcheck: build
	@command -v valgrind >/dev/null || { $(SUDO) apt-get install -y -qq valgrind; }
	@cp $(BIN) /tmp/ouro-memcheck && strip --strip-debug /tmp/ouro-memcheck
	@set -e; for f in Tests/lua/*.lua; do \
	  cat Tests/lua/support/prelude.lua $$f > /tmp/ouro-memcheck.lua; \
	  OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=9 /tmp/ouro-memcheck run /tmp/ouro-memcheck.lua && echo "memcheck passed: $$f"; \
	done
	@# a REPL session with failing chunks (exit status 1 is expected; 9 is valgrind's)
	@OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=9 /tmp/ouro-memcheck repl < Tests/lua/support/repl_session.txt >/dev/null 2>&1; \
	  test $$? -ne 9 && echo "memcheck passed: REPL session"
