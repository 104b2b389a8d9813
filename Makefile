# Front door. `make` builds the module; `make run` serves examples/ on
# 127.0.0.1:8080; `make test` runs the unit tests and t/; `make fuzz` fuzzes the
# parsers. Each target first installs whatever Debian packages are missing
# (scripts/install-deps.sh is a no-op otherwise).

SANITIZE ?= 0
JOBS ?= 2
ifeq ($(SANITIZE),1)
BUILD_DIR ?= build-asan
CMAKE_FLAGS += -DNLF_SANITIZE=ON
else
BUILD_DIR ?= build
endif
MODULE := $(CURDIR)/$(BUILD_DIR)/ngx_http_lua_ffi_module.so

FUZZ_SECONDS ?= 30
SOAK_SECONDS ?= 600

.PHONY: all deps build test unit prove example run bench soak fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

prove: build
	@SANITIZE=$(SANITIZE) NGX_MODULE=$(MODULE) bash scripts/prove.sh $(T)

# The example app `make run` serves, checked end to end on a free port.
example: build
	@SANITIZE=$(SANITIZE) NGX_MODULE=$(MODULE) bash scripts/run-example.sh --smoke

test: unit example prove

run: build
	@NGX_MODULE=$(MODULE) bash scripts/run-example.sh

bench: build
	@python3 bench/bench.py --module $(MODULE) $(if $(filter 1,$(QUICK)),--quick) $(if $(ONLY),--only $(ONLY)) $(if $(PERCALL),--percall $(PERCALL))

# The soak and fault test (scripts/soak.py): SOAK_SECONDS of mixed load over every API
# area with a reload every 10 s, then one line of figures; PEER=1 runs the same on
# Debian's OpenResty stack. Not part of `make test`.
soak: build
	@python3 scripts/soak.py --module $(MODULE) --seconds $(SOAK_SECONDS) $(if $(filter 1,$(PEER)),--peer)

# libFuzzer targets for the pure parsers (tests/fuzz), FUZZ_SECONDS each; not part of
# `make test`.
fuzz: deps
	@cmake -S tests/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@bash scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
