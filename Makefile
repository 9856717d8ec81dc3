# tansa - build with pkg-config; see README for the two entry commands.
#
#   make            release binary: build/tansa
#   make test       unit + corpus tests, built with ASan+UBSan
#   make fuzz       libFuzzer targets (clang): build/fuzz/*
#   make bench      benchmarks under bench/ (long; not part of test)

PKGS    := yaml-0.1 libpcre2-8 libhs jansson zlib
CC      ?= cc
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
               -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# Link-time optimisation: calls across files (the buffer, arena and hash
# helpers) are inlined. Callgrind, 256 MiB real-chunk EVTX, one thread:
# parsing alone 5.013 -> 4.835 G instructions, with the 2,872 Windows
# rules 7.520 -> 7.334 G (docs/sigma.md, the eleventh session on the
# rules' cost).
CFLAGS_REL  := -O2 -g -flto=auto $(CFLAGS_BASE)
CFLAGS_SAN  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined $(CFLAGS_BASE)

# Every .c under src/ except the command line is the library; stages
# live in their own folders (base, read, sigma, match, scope, ...).
LIB_SRC := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))
HDRS    := $(shell find src tests fuzz -name '*.h')

REL_OBJ := $(patsubst %.c,build/rel/%.o,$(LIB_SRC) $(CLI_SRC))
SAN_LIB := $(patsubst %.c,build/san/%.o,$(LIB_SRC))
SAN_CLI := $(patsubst %.c,build/san/%.o,$(CLI_SRC))
SAN_TST := $(patsubst %.c,build/san/%.o,$(TEST_SRC))

all: build/tansa

build/tansa: $(REL_OBJ)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS_REL) -o $@ $^ $(LIBS)

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_REL) -c -o $@ $<

build/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC    $< (asan)"
	@$(CC) $(CFLAGS_SAN) -c -o $@ $<

# tansa built with sanitizers: the corpus tests run this one.
build/tansa-san: $(SAN_LIB) $(SAN_CLI)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS_SAN) -o $@ $^ $(LIBS)

build/unit-tests: $(SAN_LIB) $(SAN_TST) build/san/tests/tn_test_main.o
	@echo "  LD    $@"
	@$(CC) $(CFLAGS_SAN) -o $@ $^ $(LIBS)

build/san/tests/tn_test_main.o: tests/tn_test_main.c tests/tn_test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -Itests -c -o $@ $<

build/san/tests/unit/%.o: tests/unit/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC    $< (asan)"
	@$(CC) $(CFLAGS_SAN) -Itests -c -o $@ $<

test: build/unit-tests build/tansa-san build/tansa
	tests/run.sh

# libFuzzer targets need clang; each fuzz/NAME.c becomes build/fuzz/NAME.
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
fuzz: $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

build/fuzz/%: fuzz/%.c $(LIB_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

bench: build/tansa
	bench/run-all.sh

clean:
	rm -rf build

.PHONY: all test fuzz bench clean
