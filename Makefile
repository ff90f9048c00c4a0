# Entry points for people: `make run` and `make test` (see README.md).
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build run test test-asan test-tsan test-package fuzz bench bench-pg deb clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/gen-env
	$(BUILD)/pdt serve

# Unit + system + fuzz-corpus tests, the system suites once on SQLite and once
# on PostgreSQL (system_pg.*: a throwaway cluster, tests/pg/pgcluster.py) and,
# as root, the .deb installed with dpkg (label package); then the same again
# under ASan+UBSan (SQLite only, without the package test), then the unit and
# system tests under ThreadSanitizer (SQLite only).
test: build
	cd $(BUILD) && ctest $(CTEST_ARGS) -j$(JOBS)
	$(MAKE) test-asan
	$(MAKE) test-tsan

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPDT_SANITIZE=ON -DPDT_PG_TESTS=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS) -j$(JOBS)

test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPDT_TSAN=ON -DPDT_PG_TESTS=OFF
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest $(CTEST_ARGS) -j$(JOBS) -L 'unit|system'

# Real libFuzzer runs (needs clang): FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
fuzz:
	PDT_EXTRA_PACKAGES=clang scripts/install-deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPDT_FUZZ=ON
	cmake --build build-fuzz -j$(JOBS)
	for t in build-fuzz/tests/fuzz_*; do \
		n=$$(basename $$t); c=tests/fuzz/corpus/$${n#fuzz_}; \
		$$t -max_total_time=$(FUZZ_SECONDS) $$c || exit 1; done

bench: build
	bench/api.sh

# The Debian package: $(BUILD)/pdt_<version>_<arch>.deb (see cmake/packaging.cmake).
deb: build
	cd $(BUILD) && cpack -G DEB
	@ls -l $(BUILD)/pdt_*.deb

# The package installed for real with dpkg, run and purged (root only; part of
# `make test`, where it reports itself skipped without root or dpkg).
test-package: build
	cd $(BUILD) && ctest $(CTEST_ARGS) -L package

# GET /api/commits?limit=100 and /api/user/profile on PostgreSQL beside SQLite.
bench-pg: build
	bench/pg.py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz
