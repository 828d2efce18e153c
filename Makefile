# strata -- top-level build. `make` builds build/libstrata.a and build/strata;
# `make test` runs the unit, conformance and differential suites; `make asan`
# the same under AddressSanitizer + UBSan; `make demo` installs what is
# missing, builds and runs the demo job on a local warehouse.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wundef -Wimplicit-fallthrough -Wno-unused-parameter
CFLAGS  := -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(OPT) $(SAN) -Iinclude -Isrc -MMD -MP
PKGS    := libzstd liblz4 libbrotlidec libbrotlienc zlib jansson libxxhash
# Deferred (=): on a fresh machine pkg-config only exists after `make deps` ran,
# so LIBS is expanded when a link recipe runs, with a plain fallback.
LIBS     = $(or $(shell pkg-config --libs $(PKGS) 2>/dev/null),-lzstd -llz4 -lbrotlidec \
           -lbrotlienc -lz -ljansson -lxxhash) -lsnappy -lroaring -lpcre2-8 -lutf8proc -ledit -lsqlite3 -ldl -lm -lpthread
LDFLAGS := $(SAN)

LIB_SRCS  := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRCS  := $(sort $(wildcard src/cli/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/*.c tests/conformance/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all test unit-test diff-test asan demo deps fuzz fuzz-run bench bench-delta bench-tpch bench-dml bench-ml clean check-layers

all: $(BUILD)/strata $(BUILD)/libstrata.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libstrata.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/strata: $(CLI_OBJS) $(BUILD)/libstrata.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libstrata.a $(LIBS)

CLI_LIB_OBJS := $(BUILD)/src/cli/cli_output.o
$(BUILD)/unit_tests: $(TEST_OBJS) $(CLI_LIB_OBJS) $(BUILD)/libstrata.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(CLI_LIB_OBJS) $(BUILD)/libstrata.a $(LIBS) -lcriterion

# Tests: Criterion suites (unit + conformance), then DuckDB differential tests.
test: deps all $(BUILD)/unit_tests
	scripts/run-tests $(BUILD)

unit-test: all $(BUILD)/unit_tests
	STRATA_BIN=$(abspath $(BUILD)/strata) $(BUILD)/unit_tests --jobs 2

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test

deps:
	@scripts/install-deps

demo: deps all
	@scripts/demo.sh $(abspath $(BUILD)/strata)

# libFuzzer targets (clang): build/fuzz/<name>; `make fuzz-run` runs each briefly.
# The library is compiled once (build-fuzz/lib, -fsanitize=fuzzer-no-link) and
# every target links against it.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fno-sanitize-recover=undefined -Iinclude -Isrc -MMD -MP
FUZZ_OBJS := $(LIB_SRCS:%.c=build-fuzz/lib/%.o)
fuzz: deps
	$(MAKE) -j$$(nproc) $(FUZZ_BINS)
build-fuzz/lib/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build-fuzz/libstrata.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/%: tests/fuzz/%.c build-fuzz/libstrata.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/libstrata.a $(LIBS)
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for b in $(FUZZ_BINS); do n=$$(basename $$b); w=build-fuzz/corpus-$$n; \
	    rm -rf $$w; mkdir -p $$w; cp tests/fuzz/corpus/$$n/* $$w/ 2>/dev/null; \
	    echo "== $$n"; $$b -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=20 \
	    -artifact_prefix=build-fuzz/$$n- -print_final_stats=1 $$w 2>&1 | \
	    grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Test unit written' ; \
	    if ls build-fuzz/$$n-* >/dev/null 2>&1; then echo "fuzz-run: $$n found a failing input"; exit 1; fi; \
	    done

bench: deps all $(BUILD)/bench_delta
	bench/parquet/run.sh $(abspath $(BUILD)/strata)
	bench/delta/run.sh $(abspath $(BUILD)/bench_delta)
	node bench/tpch/run.mjs $(abspath $(BUILD)/strata)

# TPC-H: the 22 queries, strata sql against DuckDB on SF1 Parquet (bench/tpch/README.md).
bench-tpch: deps all
	node bench/tpch/run.mjs $(abspath $(BUILD)/strata)

# DML: MERGE / UPDATE / DELETE on a 10M-row Delta table against DuckDB, and
# OPTIMIZE of a 1000-file table (bench/dml/README.md; STRATA_DML_ROWS scales it).
bench-dml: deps all
	node bench/dml/run.mjs $(abspath $(BUILD)/strata)

# ML: a random forest on 1M rows x 20 features, CREATE MODEL against scikit-learn
# and XGBoost's Python package (bench/ml/README.md; STRATA_ML_ROWS scales it).
# Installs the optional python3-sklearn on demand (scripts/install-deps --bench-ml).
bench-ml: all
	@scripts/install-deps --bench-ml
	node bench/ml/run.mjs $(abspath $(BUILD)/strata)

# Delta write path: snapshot load of a 100k-file table, commit throughput.
$(BUILD)/bench_delta: bench/delta/bench_delta.c $(BUILD)/libstrata.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libstrata.a $(LIBS)
bench-delta: $(BUILD)/bench_delta
	bench/delta/run.sh $(abspath $(BUILD)/bench_delta)

check-layers:
	@scripts/check-layers

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
-include $(shell find build-fuzz/lib -name '*.d' 2>/dev/null)
