# ObjectVision — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PRESET ?= release
BUILD_DIR := $(if $(filter debug,$(PRESET)),build-debug,build)

.PHONY: run test setup build build-debug unit bench soak fuzz cluster format tidy clean

run: setup build
	./build/objectvision serve

test: setup
	scripts/test.sh

# A scaled cluster on this machine behind nginx (scripts/cluster.sh; `scripts/cluster.sh down`).
cluster: setup build
	scripts/cluster.sh up

setup:
	scripts/setup.sh

build:
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

build-debug:
	$(MAKE) build PRESET=debug

unit: build
	ctest --preset $(PRESET)

bench: setup build
	scripts/bench.sh

# 10 minutes of mixed load on the loopback cluster (bench/soak.py): docs/soak.md and its plots.
SOAK_SECONDS ?= 600
soak: setup build
	/usr/bin/python3 bench/soak.py --seconds $(SOAK_SECONDS) --out docs/soak.md --plots docs

# libFuzzer targets (clang-15, ASan + UBSan, build-debug/), FUZZ_SECONDS each; see scripts/fuzz.sh.
FUZZ_SECONDS ?= 300
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh run

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

tidy:
	git ls-files 'src/*.cpp' | xargs clang-tidy -p build --quiet

clean:
	rm -rf build build-debug build-fuzz build-tsan
