# Tapestry: every set-up step a fresh Debian machine with Swift needs is here.
#   make demo   installs what is missing, builds release, runs the Fashion-MNIST demo
#   make test   installs what is missing, builds, runs every test and the end-to-end demo check
#   make venv   the test-only Python environment with the real outside readers (NumPy, TensorBoard, ONNX)

SWIFT ?= swift
# System libraries (CBLAS, CZlib, CLibCrypto, CGraphviz, CMPI with its mpirun) and the real Fashion-MNIST files.
# python3-venv: the test-only virtual environment of `make venv`.
APT_PACKAGES := libopenblas-dev libgraphviz-dev zlib1g-dev libssl-dev libopenmpi-dev openmpi-bin pkg-config dataset-fashion-mnist python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
E2E_DIR := .build/e2e

.PHONY: deps build test unit-tests readme-examples e2e demo bench bench-floor docs clean venv

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

test: deps unit-tests fuzz-regression readme-examples e2e

unit-tests: deps venv
	$(SWIFT) build -c release --product misuse-probe
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Every Swift block of README.md (and the DocC articles) built as written, each as the
# main.swift of its own target in a scratch package that depends on Tapestry by path.
readme-examples: deps
	python3 Tests/ReadmeExamples/build_examples.py

# The test-only virtual environment: the interoperability tests (Tests/TapestryIOTests/NumPy*,
# Tests/TapestryNNTests/TensorBoardTests) run its python to read what Tapestry wrote with the
# real readers. Pinned in Tests/Interop/requirements.txt. It is cached outside the clone, in
# ~/.cache/tapestry, under the hash of that file (a fresh clone, as CI makes, reuses it), and
# linked as .build/test-venv, where the tests look for it.
VENV := .build/test-venv
VENV_REQUIREMENTS := Tests/Interop/requirements.txt
VENV_CACHE := $(HOME)/.cache/tapestry/test-venv-$(shell sha256sum $(VENV_REQUIREMENTS) 2>/dev/null | cut -c1-16)

venv: deps
	@if [ ! -f "$(VENV_CACHE)/requirements.stamp" ]; then \
	  echo "Creating the test venv in $(VENV_CACHE)"; \
	  rm -rf "$(VENV_CACHE)" && python3 -m venv "$(VENV_CACHE)" && \
	  "$(VENV_CACHE)/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r $(VENV_REQUIREMENTS) && \
	  "$(VENV_CACHE)/bin/python" -c 'import numpy, tensorboard, onnx, onnxruntime' && \
	  cp $(VENV_REQUIREMENTS) "$(VENV_CACHE)/requirements.stamp"; \
	fi
	@mkdir -p .build && rm -rf $(VENV) && ln -s "$(VENV_CACHE)" $(VENV)

# The release demo for one epoch, end to end on the real data: fails below 0.80 test accuracy.
e2e: deps
	$(SWIFT) build -c release --product fashion
	rm -rf $(E2E_DIR) && mkdir -p $(E2E_DIR)
	$(SWIFT) run -c release --skip-build fashion --epochs 1 --verbose 2 \
	  --output $(E2E_DIR)/pictures --metrics-json $(E2E_DIR)/metrics.json
	python3 -c 'import json,sys; a=json.load(open("$(E2E_DIR)/metrics.json"))["test"]["accuracy"]; \
	  print(f"e2e: test accuracy {a:.4f} after 1 epoch (needs >= 0.80)"); sys.exit(0 if a >= 0.80 else 1)'

demo: deps
	$(SWIFT) run -c release fashion

# The benchmark suite (Benchmarks/, ordo-one/benchmark with malloc counting): a package of
# its own, so make test never builds it. Benchmarks/compare/run.sh compares with PyTorch,
# JAX and Keras.
# The MLP's BLAS floor is printed first (Benchmarks/Floor/blas_floor.c, the same products
# the suite benchmarks as "BLAS floor: …"): read Tapestry's figures as ratios to it.
bench: deps bench-floor
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

# OpenBLAS alone on the MLP's own products (built with the Swift toolchain's clang).
bench-floor: deps
	mkdir -p .build
	clang -O2 -IBenchmarks/Floor/BLASFloor/include -o .build/blas_floor \
	  Benchmarks/Floor/blas_floor.c Benchmarks/Floor/BLASFloor/BLASFloor.c -lopenblas
	.build/blas_floor

# The DocC site of every library module (.build/docs/<Module>), with no warnings and every
# public symbol documented; the toolchain's docc, no plugin in the products' graph.
docs: deps
	python3 Docs/build_docs.py

clean:
	rm -rf .build

# Fuzzing; the rules live in Tests/Fuzz/Fuzz.mk:
#   make fuzz              each harness under libFuzzer + ASan for FUZZ_SECONDS (default 60)
#   make fuzz-regression   replay the saved corpora (part of make test)
#   make fuzz-merge        fold new inputs into the saved corpora
fuzz:
fuzz-regression:
include Tests/Fuzz/Fuzz.mk
