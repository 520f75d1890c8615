# Tapestry: every set-up step a fresh Debian machine with Swift needs is here.
#   make demo   installs what is missing, builds release, runs the Fashion-MNIST demo
#   make test   installs what is missing, builds, runs every test and the end-to-end demo check
#   make venv   the test-only Python environment with the real outside readers (NumPy, TensorBoard, ONNX)

SWIFT ?= swift
# System libraries (CBLAS, CZlib, CLibCrypto, CGraphviz) and the real Fashion-MNIST files.
# python3-venv: the test-only virtual environment of `make venv`.
APT_PACKAGES := libopenblas-dev libgraphviz-dev zlib1g-dev libssl-dev pkg-config dataset-fashion-mnist python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
E2E_DIR := .build/e2e

.PHONY: deps build test unit-tests e2e demo bench clean venv

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

test: deps unit-tests fuzz-regression e2e

unit-tests: deps venv
	$(SWIFT) build -c release --product misuse-probe
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The test-only virtual environment: the interoperability tests (Tests/TapestryIOTests/NumPy*,
# Tests/TapestryNNTests/TensorBoardTests) run its python to read what Tapestry wrote with the
# real readers. Pinned in Tests/Interop/requirements.txt; rebuilt only when that file changes.
VENV := .build/test-venv
VENV_REQUIREMENTS := Tests/Interop/requirements.txt

venv: deps $(VENV)/requirements.stamp

$(VENV)/requirements.stamp: $(VENV_REQUIREMENTS)
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r $(VENV_REQUIREMENTS)
	$(VENV)/bin/python -c 'import numpy, tensorboard, onnx, onnxruntime'
	cp $(VENV_REQUIREMENTS) $@

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
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

clean:
	rm -rf .build

# Fuzzing; the rules live in Tests/Fuzz/Fuzz.mk:
#   make fuzz              each harness under libFuzzer + ASan for FUZZ_SECONDS (default 60)
#   make fuzz-regression   replay the saved corpora (part of make test)
#   make fuzz-merge        fold new inputs into the saved corpora
fuzz:
fuzz-regression:
include Tests/Fuzz/Fuzz.mk
