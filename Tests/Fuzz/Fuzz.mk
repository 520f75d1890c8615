# Tests/Fuzz/Fuzz.mk: libFuzzer harnesses for every reader of outside bytes (IDX, gzip,
# safetensors, JSON, .npy/.npz, model configs, training states) and for the DOT escapers. Included from the top Makefile, which defines SWIFT.
#
#   make fuzz              builds each harness with -sanitize=fuzzer,address into .build-fuzz and
#                          runs each for FUZZ_SECONDS (60 by default), one after another; new
#                          inputs go to .fuzz/corpus/<target>, crashes to .fuzz/artifacts/<target>
#   make fuzz-regression   builds the harnesses normally and replays every saved input of
#                          Tests/Fuzz/Corpus/<target> through them (a few seconds; `make test`)
#   make fuzz-merge        adds what `make fuzz` found to the saved corpora, minimised with
#                          -merge=1 (hand-made seed-* and regression-* inputs are always kept)
#
# One harness: `make fuzz-run-FuzzIDX`. Choose several: FUZZ_TARGETS="FuzzIDX FuzzGzip".
# More libFuzzer flags: FUZZ_OPTIONS="-jobs=2". Reproduce a crash:
# `.build-fuzz/release/<target> <crash-file>`, or without sanitizers `.build/debug/<target> <crash-file>`.

FUZZ_TARGETS ?= FuzzIDX FuzzGzip FuzzSafeTensors FuzzJSON FuzzDOT FuzzNumPy FuzzModelConfig FuzzTrainingState
FUZZ_SECONDS ?= 60
FUZZ_RSS_MB ?= 2048
FUZZ_OPTIONS ?=
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_CORPUS := Tests/Fuzz/Corpus
FUZZ_WORK := .fuzz

# Release code (optimised, still bounds- and overflow-checked), instrumented for libFuzzer and
# ASan. -D FUZZING makes each harness hand its command line to libFuzzer's driver, declared
# with @_extern (experimental feature Extern). lld: the default gold linker crashes on these links.
FUZZ_BUILD_FLAGS := -c release --scratch-path $(FUZZ_SCRATCH) \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
  -Xswiftc -enable-experimental-feature -Xswiftc Extern -Xswiftc -use-ld=lld

# Per harness: the longest input. Graphviz 2.43 leaks in its HTML-label code (htmlparse,
# sizeArray: about 2 KB a chart, none of it Tapestry's) and fontconfig caches live forever, so
# FuzzDOT runs without leak checks and with a smaller ASan quarantine to stay under the RSS cap.
FUZZ_OPTIONS_FuzzIDX := -max_len=4096
FUZZ_OPTIONS_FuzzGzip := -max_len=8192
FUZZ_OPTIONS_FuzzSafeTensors := -max_len=4096
FUZZ_OPTIONS_FuzzJSON := -max_len=4096
FUZZ_OPTIONS_FuzzNumPy := -max_len=4096
FUZZ_OPTIONS_FuzzModelConfig := -max_len=4096
FUZZ_OPTIONS_FuzzTrainingState := -max_len=8192
FUZZ_OPTIONS_FuzzDOT := -max_len=256 -detect_leaks=0
FUZZ_ENV_FuzzDOT := ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=32

# Crashes stop at once, without the Swift backtracer in libFuzzer's way.
FUZZ_RUN := SWIFT_BACKTRACE=enable=no

.PHONY: fuzz fuzz-build fuzz-regression fuzz-merge

fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-build: $(addprefix fuzz-build-,$(FUZZ_TARGETS))

fuzz-merge: $(addprefix fuzz-merge-,$(FUZZ_TARGETS))

fuzz-build-%:
	$(SWIFT) build $(FUZZ_BUILD_FLAGS) --product $*

fuzz-run-%: fuzz-build-%
	@mkdir -p $(FUZZ_WORK)/corpus/$* $(FUZZ_WORK)/artifacts/$*
	@echo "== fuzzing $* for $(FUZZ_SECONDS) s"
	$(FUZZ_RUN) $(FUZZ_ENV_$*) $(FUZZ_SCRATCH)/release/$* $(FUZZ_WORK)/corpus/$* $(FUZZ_CORPUS)/$* \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=10 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_WORK)/artifacts/$*/ $(FUZZ_OPTIONS_$*) $(FUZZ_OPTIONS)

fuzz-merge-%: fuzz-build-%
	@rm -rf $(FUZZ_WORK)/merged/$* && mkdir -p $(FUZZ_WORK)/merged/$* $(FUZZ_WORK)/corpus/$*
	@cp $(FUZZ_CORPUS)/$*/seed-* $(FUZZ_WORK)/merged/$*/
	@cp $(FUZZ_CORPUS)/$*/regression-* $(FUZZ_WORK)/merged/$*/ 2>/dev/null || true
	$(FUZZ_RUN) $(FUZZ_ENV_$*) $(FUZZ_SCRATCH)/release/$* -merge=1 -rss_limit_mb=$(FUZZ_RSS_MB) $(FUZZ_OPTIONS_$*) \
	  $(FUZZ_WORK)/merged/$* $(FUZZ_CORPUS)/$* $(FUZZ_WORK)/corpus/$*
	@rm -f $(FUZZ_CORPUS)/$*/* && cp $(FUZZ_WORK)/merged/$*/* $(FUZZ_CORPUS)/$*/
	@echo "$*: $$(ls $(FUZZ_CORPUS)/$* | wc -l) inputs, $$(du -cb $(FUZZ_CORPUS)/$*/* | tail -1 | cut -f1) bytes"

# A normal debug build (shared with `swift build --build-tests`) replays the saved corpora.
fuzz-regression:
	@for t in $(FUZZ_TARGETS); do $(SWIFT) build --product $$t || exit 1; done
	@for t in $(FUZZ_TARGETS); do $(FUZZ_RUN) .build/debug/$$t $(FUZZ_CORPUS)/$$t || exit 1; done
