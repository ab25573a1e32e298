# infrac — top-level build.
#
# Sources are found by convention so that modules can grow without editing
# this file:
#   common/*.c                      shared by compiler and engine (GGUF reader)
#   compiler/**.c schema/*.c targets/*.c   -> libinfrac.a + infrac (compiler/cli/main.c)
#   engine/**.c                     -> libengine.a + infrac-engine (engine/cli/main.c)
#   tests/mkmodel/*.c               -> infrac-mkmodel (the test model maker)
#   tests/unit/test_*.c             -> one test binary each (cmocka)
#   tests/fuzz/fuzz_*.c             -> one libFuzzer target each (make fuzz)
# A module may add rules in its own <dir>/module.mk.
#
# V=release (default) or V=asan (AddressSanitizer + UBSan) picks the variant;
# each lives in its own build/<variant> directory.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
V       ?= release
CC      ?= cc

O := $(BUILD)/$(V)

ifeq ($(V),asan)
  OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(V),release)
  OPT := -O2 -g
else
  $(error V must be release or asan)
endif

# pkg-config runs lazily (recursive '='), after the setup step installed it.
PKGS      := yaml-0.1 jansson libcyaml libpcre2-8 libmicrohttpd openblas libcrypto
# The compiler links only what it uses: OpenBLAS alone costs milliseconds of
# start-up (its thread pool), which `infrac check` in a CI loop would pay.
COMPILER_PKGS := yaml-0.1 jansson libcyaml libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
COMPILER_LIBS = $(shell pkg-config --libs $(COMPILER_PKGS)) -lm -pthread $(LDLIBS)

# Where make install puts the docs: SARIF's informationUri points there. The
# value is a generated header, rewritten only when DOCDIR (or PREFIX)
# changes, so `make install PREFIX=/usr` rebuilds what names it.
DOCDIR     ?= $(PREFIX)/share/doc/infrac
CPPFLAGS_ALL = -D_GNU_SOURCE -Icommon -Icompiler -Ischema -Itargets -Iengine -Itests/mkmodel -I$(O)/gen $(PKG_CFLAGS)
CFLAGS_ALL   = -std=c11 -Wall -Wextra -Werror -pthread $(OPT) $(CFLAGS)
LDLIBS_ALL   = $(PKG_LIBS) -lm -pthread $(LDLIBS)

DEPS_STAMP := $(BUILD)/.deps-installed

COMMON_SRCS   := $(sort $(wildcard common/*.c))
COMPILER_SRCS := $(sort $(filter-out compiler/cli/main.c,$(wildcard compiler/*.c compiler/*/*.c schema/*.c targets/*.c)))
ENGINE_SRCS   := $(sort $(filter-out engine/cli/main.c,$(wildcard engine/*.c engine/*/*.c)))
MKMODEL_SRCS  := $(sort $(wildcard tests/mkmodel/*.c))
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT  := $(sort $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

LIBCOMMON   := $(O)/libcommon.a
LIBINFRAC   := $(O)/libinfrac.a
LIBENGINE   := $(O)/libengine.a
INFRAC      := $(O)/infrac
ENGINE      := $(O)/infrac-engine
MKMODEL     := $(O)/infrac-mkmodel
UNIT_BINS   := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))

ALL_OBJS := $(call obj,$(COMMON_SRCS) $(COMPILER_SRCS) $(ENGINE_SRCS) $(MKMODEL_SRCS) $(UNIT_SRCS) $(UNIT_SUPPORT) compiler/cli/main.c engine/cli/main.c)

.PHONY: all setup test demo install clean fuzz bench bench-engine golden
.DEFAULT_GOAL := all

all: $(INFRAC) $(if $(wildcard engine/cli/main.c),$(ENGINE)) $(if $(MKMODEL_SRCS),$(MKMODEL))

# The setup step: installs missing Debian packages once (scripts/deps.txt).
setup: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/setup.sh scripts/deps.txt
	@sh scripts/setup.sh
	@mkdir -p $(@D) && touch $@

$(O)/gen/doc_dir.h $(BUILD)/fuzz/gen/doc_dir.h: FORCE
	@mkdir -p $(@D)
	@printf '#define INFRAC_DOC_DIR "%s"\n' '$(DOCDIR)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
FORCE:
.PHONY: FORCE
$(O)/obj/compiler/diag/render_sarif.o: $(O)/gen/doc_dir.h

$(O)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(call obj,$(COMMON_SRCS))
	@mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^
$(LIBINFRAC): $(call obj,$(COMPILER_SRCS))
	@mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^
$(LIBENGINE): $(call obj,$(ENGINE_SRCS))
	@mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

$(INFRAC): $(call obj,compiler/cli/main.c) $(LIBINFRAC) $(LIBCOMMON)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(COMPILER_LIBS)
$(ENGINE): $(call obj,engine/cli/main.c) $(LIBENGINE) $(LIBCOMMON)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(MKMODEL): $(call obj,$(MKMODEL_SRCS)) $(LIBENGINE) $(LIBCOMMON)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(O)/tests/%: $(O)/obj/tests/unit/%.o $(call obj,$(UNIT_SUPPORT)) $(LIBINFRAC) $(LIBENGINE) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

tests-build: all $(UNIT_BINS)
.PHONY: tests-build

# make test: every test, in the release build and under ASan+UBSan, then a
# short fuzz run. The last line is the summary "N passed, N failed".
test: $(DEPS_STAMP)
	@sh tests/run-all.sh

demo: $(DEPS_STAMP)
	@sh scripts/demo.sh

# make install: the programs, their man pages (docs/man), the bash
# completion (scripts/completion) and the diagnostics reference (DOCDIR, where
# SARIF's informationUri points); make uninstall removes exactly those.
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(INFRAC) $(DESTDIR)$(PREFIX)/bin/infrac
	if [ -x $(ENGINE) ]; then install -m 0755 $(ENGINE) $(DESTDIR)$(PREFIX)/bin/infrac-engine; fi
	install -m 0644 docs/man/infrac.1 docs/man/infrac-engine.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 scripts/completion/infrac.bash $(DESTDIR)$(BASHCOMPDIR)/infrac
	ln -sf infrac $(DESTDIR)$(BASHCOMPDIR)/infrac-engine
	install -m 0644 docs/diagnostics.md $(DESTDIR)$(DOCDIR)/diagnostics.md

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/infrac $(DESTDIR)$(PREFIX)/bin/infrac-engine \
	      $(DESTDIR)$(MANDIR)/man1/infrac.1 $(DESTDIR)$(MANDIR)/man1/infrac-engine.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/infrac $(DESTDIR)$(BASHCOMPDIR)/infrac-engine \
	      $(DESTDIR)$(DOCDIR)/diagnostics.md
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
.PHONY: uninstall

# libFuzzer targets, built with clang in their own directory.
FUZZ_O := $(BUILD)/fuzz
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_O)/%,$(FUZZ_SRCS))
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icommon -Icompiler -Ischema -Itargets -Iengine -I$(FUZZ_O)/gen $(PKG_CFLAGS)
FUZZ_LIB_SRCS = $(COMMON_SRCS) $(COMPILER_SRCS) $(ENGINE_SRCS)
$(FUZZ_O)/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(FUZZ_O)/gen/doc_dir.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(PKG_LIBS) -lm -pthread
fuzz-build: $(FUZZ_BINS)
.PHONY: fuzz-build
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_SECONDS)

bench: all
	@sh tests/bench/check/run.sh $(INFRAC)
bench-engine: all
	@sh tests/bench/engine/run.sh

# Refresh golden files; review every diff with git diff before committing.
golden: all
	@for f in tests/golden/refresh-*.sh; do [ -f "$$f" ] && sh "$$f" $(O) || exit 1; done

clean:
	rm -rf $(BUILD)

-include $(wildcard */module.mk)
-include $(ALL_OBJS:.o=.d)
