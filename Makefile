# Tapestry: every set-up step a fresh Debian machine with Swift needs is here.
#   make demo   installs what is missing, builds release, runs the Fashion-MNIST demo
#   make test   installs what is missing, builds, runs every test and the end-to-end demo check

SWIFT ?= swift
# System libraries (CBLAS, CZlib, CLibCrypto, CGraphviz) and the real Fashion-MNIST files.
APT_PACKAGES := libopenblas-dev libgraphviz-dev zlib1g-dev libssl-dev pkg-config dataset-fashion-mnist
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
E2E_DIR := .build/e2e

.PHONY: deps build test unit-tests readme-examples e2e demo bench docs clean

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

unit-tests: deps
	$(SWIFT) build -c release --product misuse-probe
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Every Swift block of README.md (and the DocC articles) built as written, each as the
# main.swift of its own target in a scratch package that depends on Tapestry by path.
readme-examples: deps
	python3 Tests/ReadmeExamples/build_examples.py

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
