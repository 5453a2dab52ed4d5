# rbusage: imports metered usage into Rebilly.
#   make            build ./rbusage
#   make check      install missing deps, build, run every test
#   make bench      offline speed and memory benchmark
#   make bench-send sending benchmark against a local fake Rebilly
#   make SANITIZE=address,undefined check   the same under sanitizers
#   make deb        a Debian package in build-deb/, lintian-clean
#   make deb-check  make deb, then inspect the package and run what it installs
.SUFFIXES:

CC       ?= cc
PKG_CONFIG ?= pkg-config
PYTHON   ?= python3
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Werror
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS ?=
LDFLAGS  ?=

BUILD    := build
ifneq ($(SANITIZE),)
BUILD    := build-san
OPT      := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
endif

CURL_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS     := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
ZLIB_LIBS     := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)

ALL_CFLAGS := $(STD) $(WARN) $(OPT) $(SANFLAGS) -DRBUSAGE_VERSION='"$(VERSION)"' \
              -Isrc $(CURL_CFLAGS) -MMD -MP $(CPPFLAGS) $(CFLAGS)
LIBS       := $(CURL_LIBS) -lcsv $(ZLIB_LIBS) -lm

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

all: rbusage

ifeq ($(SANITIZE),)
rbusage: $(BUILD)/rbusage
	cp $< $@.tmp && mv -f $@.tmp $@
else
rbusage: $(BUILD)/rbusage
endif

$(BUILD)/rbusage: $(BUILD)/main.o $(BUILD)/librbusage.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/librbusage.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/librbusage.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(BUILD)/librbusage.a $(CMOCKA_LIBS) $(LIBS)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

deps:
	@./scripts/install-deps

tests: $(TEST_BIN)

# Unit tests (one cmocka binary per module), then the end-to-end scripts,
# then the fake server's own tests. RBUSAGE tells the scripts which binary to run.
check: deps
	@$(MAKE) --no-print-directory all tests
	@./tests/run-all $(BUILD) $(TEST_BIN)

bench: all
	@./bench/run

# The long chaos run: more rows, more SIGKILLs, several seeds.
CHAOS_ROWS ?= 20000
CHAOS_KILLS ?= 12
CHAOS_SEEDS ?= 1 2 3
chaos: all
	@for s in $(CHAOS_SEEDS); do \
		CHAOS_SEED=$$s CHAOS_ROWS=$(CHAOS_ROWS) CHAOS_KILLS=$(CHAOS_KILLS) \
		TOP=$(CURDIR) RBUSAGE=$(CURDIR)/rbusage sh tests/e2e/chaos.sh || exit 1; \
	done

# The main job on a sample, against the local fake server.
demo: deps
	@$(MAKE) --no-print-directory all
	@./scripts/demo

fmt:
	clang-format -i src/*.c src/*.h tests/*.c

clean:
	rm -rf build build-san build-deb rbusage demo-output

# make install PREFIX=/usr DESTDIR=/tmp/pkg: the binary and its man page.
PREFIX ?= /usr/local
BINDIR  = $(PREFIX)/bin
MAN1DIR = $(PREFIX)/share/man/man1

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR)
	install -m 755 rbusage $(DESTDIR)$(BINDIR)/rbusage
	install -m 644 doc/rbusage.1 $(DESTDIR)$(MAN1DIR)/rbusage.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rbusage $(DESTDIR)$(MAN1DIR)/rbusage.1

# make deb: the Debian package (debian/, debhelper) built from a copy of the
# tracked and new files in build-deb/rbusage-$(VERSION)/, so the checkout is
# left alone; then lintian, which must find no error and no warning. The
# package: build-deb/rbusage_$(VERSION)_<arch>.deb.
DEB_DIR := build-deb
deb: deps
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/rbusage-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . -path ./.git -prune -o -path './build*' -prune -o \
			-path ./demo-output -prune -o -path ./rbusage -prune -o \
			-type f -print0; \
	fi | tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/rbusage-$(VERSION)
	cd $(DEB_DIR)/rbusage-$(VERSION) && \
		dpkg-buildpackage --no-sign -j2 > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	lintian --fail-on error,warning --no-tag-display-limit \
		$(DEB_DIR)/rbusage_$(VERSION)_*.changes
	@ls $(DEB_DIR)/*.deb

deb-check: deb
	@sh tests/package/deb.sh $(DEB_DIR)/rbusage_$(VERSION)_*.deb

.PHONY: all check bench chaos demo fmt clean deps tests install uninstall deb deb-check
-include $(LIB_OBJ:.o=.d) $(BUILD)/main.d $(TEST_BIN:=.d)

# make fuzz FUZZ_SECONDS=60: each libFuzzer target of tests/fuzz/ (clang, ASan
# and UBSan) for that long. New inputs go to build-fuzz/corpus/<target>, the
# repo's seeds and crash reproducers are only read, crashes land in
# build-fuzz/artifacts/<target>/. Fails when any target crashed.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build-fuzz
FUZZ_TARGETS := csv jsonl check response resultlog encoding time
FUZZ_SAN     := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_CFLAGS  := $(STD) $(filter-out -Werror,$(WARN)) $(FUZZ_SAN) \
                -DRBUSAGE_VERSION='"$(VERSION)"' -Isrc $(CURL_CFLAGS) -MMD -MP
FUZZ_OBJ     := $(LIB_SRC:src/%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/obj/%.o: src/%.c | $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libfuzz.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< \
		$(FUZZ_DIR)/libfuzz.a $(LIBS)

$(FUZZ_DIR)/obj:
	mkdir -p $@

fuzz: $(FUZZ_BIN)
	@fail=""; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t; \
		case $$t in csv|jsonl|resultlog) len=200000;; *) len=16384;; esac; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		./$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$$len -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			$$(test -d tests/fuzz/regress/$$t && echo tests/fuzz/regress/$$t) \
			>$(FUZZ_DIR)/fuzz_$$t.log 2>&1 || fail="$$fail $$t"; \
		grep -E '^(#[0-9]+[[:space:]]+DONE|stat::(number_of_executed_units|average_exec_per_sec)|SUMMARY)' $(FUZZ_DIR)/fuzz_$$t.log; \
	done; \
	if [ -n "$$fail" ]; then \
		echo "fuzz: crashed:$$fail (logs: $(FUZZ_DIR)/fuzz_<target>.log)"; \
		exit 1; \
	fi

.PHONY: fuzz
-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)

# make bench-send: sending through a local fake Rebilly (throughput, rate
# accuracy, client CPU against curl, peak RSS); a report, see bench/README.md.
bench-send: all
	@./bench/send

.PHONY: bench-send
