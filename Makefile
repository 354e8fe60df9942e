# Orrery - one plain GNU Makefile.  `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
B       := .build

PKGS     = ncursesw sqlite3 libcurl jansson libcrypto libmicrohttpd vips
WARN     = -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wwrite-strings -Wformat=2 -Wvla
CSTD     = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
OPT     ?= -O2 -g
# Recursive (=) so pkg-config runs only once `deps` has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libvips is opened on first use (src/vips_lazy.c), not linked: its headers
# only.  Linked, it and its ~100 dependencies cost every command ~60 ms.
PKG_LIBS   = $(shell pkg-config --libs $(filter-out vips,$(PKGS))) -ldl -lpthread -lm
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(SAN) -MMD -MP -Isrc -Iui $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) -Wl,--as-needed $(LDFLAGS)

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

CORE_SRC := $(wildcard src/*.c)
UI_SRC   := $(wildcard ui/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o) $(B)/schema_sql.o $(B)/rules_builtin.o \
            $(B)/presets_builtin.o $(B)/policies_builtin.o
UI_OBJ   := $(UI_SRC:%.c=$(B)/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
SCHEMA   := $(sort $(wildcard data/schema/*.sql))
RULES    := $(sort $(wildcard data/rules/*.json))
PRESETS  := $(sort $(wildcard data/presets/*.json))
POLICIES := $(sort $(wildcard data/policies/*.json))

# The binary of the default build is ./orrery; other builds (asan) keep theirs
# in their own directory so they never overwrite it.
BIN ?= orrery

.PHONY: all deps check test asan tsan bench bench-audit bench-jobs bench-console bench-vision bench-vision-compose fuzz fuzz-rules lint install uninstall clean demo help screenshots bench-http fuzz-webhook bench-context fuzz-connectors bench-forecast bench-chat
all: $(BIN)

help:
	@echo "make           build ./orrery"
	@echo "make demo      install packages, build, load the demo database, open the console"
	@echo "make screenshots  capture every pane of the console into screenshots/ (tmux, aha, chromium)"
	@echo "make bench-console  console start-up, pane switch, RSS and idle output against htop"
	@echo "make check     install packages, build, run the whole test suite"
	@echo "make asan      the suite under AddressSanitizer + UBSan"
	@echo "make tsan      the console, job and KPI tests under ThreadSanitizer"
	@echo "make bench     ingest benchmark against sqlite3 .import"
	@echo "make bench-jobs  events -> rules -> jobs benchmark against raw SQLite inserts"
	@echo "make bench-audit audit benchmark against mlr summary and csvstat"
	@echo "make bench-vision 100 studio photos to amazon-main against ImageMagick convert and the vips CLI"
	@echo "make bench-vision-compose  lifestyle, group, poster, asset set against ImageMagick convert"
	@echo "make fuzz      libFuzzer targets: the CSV reader, the rules parser, webhook payloads (clang)"
	@echo "make bench-http  inbound webhooks verified and stored per second under wrk;"
	@echo "                 outbound signed deliveries per second with 2 workers"
	@echo "make bench-forecast  forecast models on M5 and 30,000 generated series against R's forecast package"
	@echo "make bench-context  customer-context lookups against a sqlite3 query, with and without 013's indexes"
	@echo "make bench-chat  context customer --ask against a chat stub, vs context | jq | curl"
	@echo "make lint      clang-format check and cppcheck"
	@echo "make install   PREFIX=$(PREFIX) DESTDIR=..."
	@echo "V=1            show full compiler command lines"

deps:
	$(Q).ci/deps

$(BIN): $(CORE_OBJ) $(UI_OBJ)
	$(call say,LD,$@)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The migrations are compiled in: an installed orrery needs no data/ at run time.
# Each NNN_name.sql becomes one {name, sql} entry of a C table.
$(B)/schema_sql.c: $(SCHEMA) Makefile
	@mkdir -p $(B)
	$(call say,GEN,$@){ echo '#include "schema.h"'; \
	  echo 'const struct schema_migration schema_migrations[] = {'; \
	  for f in $(SCHEMA); do printf '{ "%s",\n' "$$(basename $$f .sql)"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo '},'; done; \
	  echo '};'; echo 'const int schema_migration_count = $(words $(SCHEMA));'; } > $@

# Data files are compiled in as {file name, text} entries of a C table:
# $(call embed,HEADER,STRUCT,ARRAY,FILES) also defines ARRAY_count.
define embed
	@mkdir -p $(B)
	$(call say,GEN,$@){ echo '#include "$(1)"'; \
	  echo 'const struct $(2) $(3)[] = {'; \
	  for f in $(4); do printf '{ "%s",\n' "$$(basename $$f)"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo '},'; done; \
	  echo '{ 0, 0 } };'; echo 'const int $(3)_count = $(words $(4));'; } > $@
endef

# The default rules, the image presets (src/vision_preset.h) and the store's
# policies (data/policies: the return policy the customer context carries).
$(B)/rules_builtin.c: $(RULES) Makefile
	$(call embed,rules.h,rules_builtin_file,rules_builtin,$(RULES))

$(B)/presets_builtin.c: $(PRESETS) Makefile
	$(call embed,vision_preset.h,vision_preset_file,vision_presets_builtin,$(PRESETS))

$(B)/policies_builtin.c: $(POLICIES) Makefile
	$(call embed,policies.h,policy_file,policies_builtin,$(POLICIES))

$(B)/schema_sql.o $(B)/rules_builtin.o $(B)/presets_builtin.o $(B)/policies_builtin.o: $(B)/%.o: $(B)/%.c
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $$(pkg-config --libs criterion vips)

# The console's widget logic, tested without a terminal.
$(B)/tests/test_table: $(B)/ui/table.o $(B)/ui/term.o

$(B)/gen_retail: tests/bench/gen_retail.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) -O2 $(WARN) -o $@ $<

# The misbehaving HTTP server of the integration tests (tests/cli/test_http.sh).
$(B)/faultsrv: tests/tools/faultsrv.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) $(OPT) $(WARN) $(SAN) $$(pkg-config --cflags libmicrohttpd jansson) \
		-o $@ $< $$(pkg-config --libs libmicrohttpd jansson) -lpthread

# The stand-in chat-completions server of tests/cli/test_context_ask.sh.
$(B)/chatstub: tests/tools/chatstub.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) $(OPT) $(WARN) $(SAN) $$(pkg-config --cflags libmicrohttpd jansson) \
		-o $@ $< $$(pkg-config --libs libmicrohttpd jansson) -lpthread

$(B)/rss: tests/bench/rss.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) -O2 $(WARN) -o $@ $<

test: $(BIN) $(TEST_BIN) $(B)/faultsrv $(B)/chatstub
	$(Q)B=$(B) ORRERY=$(BIN) tests/run.sh

check: deps
	$(Q)$(MAKE) --no-print-directory test

# tests/lsan.supp: caches third-party libraries keep for the process (fontconfig).
asan: deps
	$(Q)LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) --no-print-directory B=.build-asan BIN=.build-asan/orrery \
		OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

# The demo database, brought to life (rules, jobs, audit, KPIs), then the
# console on it when there is a terminal.
# The threaded parts (console, runner, KPIs) under ThreadSanitizer: a race
# ends the process with 66, which fails the test that ran it.
tsan: deps
	$(Q)$(MAKE) --no-print-directory B=.build-tsan BIN=.build-tsan/orrery OPT="-O1 -g" \
		SAN="-fsanitize=thread" .build-tsan/orrery
	$(Q)TSAN_OPTIONS="halt_on_error=1 exitcode=66" B=.build-tsan ORRERY=.build-tsan/orrery \
		tests/run.sh test_console test_jobs test_kpi

demo: deps
	$(Q)$(MAKE) --no-print-directory orrery
	$(Q)rm -f demo.db demo.db-wal demo.db-shm
	$(Q)./orrery --db demo.db init >/dev/null
	$(Q)./orrery --db demo.db ingest data/demo/*.csv data/demo/*.jsonl
	$(Q)./orrery --db demo.db --rules data/demo/rules run --until-idle --max-seconds 120
	$(Q)./orrery --db demo.db kpi collect
	$(Q)if [ -t 0 ] && [ -t 1 ]; then ./orrery --db demo.db --rules data/demo/rules console; \
	else echo "demo database: demo.db  (open the console: ./orrery --db demo.db --rules data/demo/rules console)"; fi

screenshots: orrery
	$(Q)tests/ui/screenshots.sh

bench-console: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/rss
	$(Q)tests/bench/console.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/gen_retail $(B)/rss
	$(Q)tests/bench/ingest.sh

# The models alone (fc_bench links them), against R's ets() and croston().
$(B)/fc_bench: tests/bench/fc_bench.c $(B)/src/fc_model.o $(B)/src/fc_select.o
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) $(OPT) $(WARN) -Isrc -o $@ $^ -lm

$(B)/gen_demand: tests/bench/gen_demand.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) -O2 $(WARN) -o $@ $< -lm

bench-forecast: deps
	$(Q)$(MAKE) --no-print-directory $(B)/fc_bench $(B)/gen_demand
	$(Q)B=$(B) tests/bench/forecast.sh

bench-audit: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/gen_retail $(B)/rss
	$(Q)tests/bench/audit.sh

bench-vision: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/rss
	$(Q)tests/bench/vision.sh

bench-vision-compose: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/rss
	$(Q)RSS=$(B)/rss tests/bench/vision_compose.sh

bench-context: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/gen_retail
	$(Q)tests/bench/context.sh

bench-chat: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/gen_retail $(B)/chatstub
	$(Q)tests/bench/chat_ask.sh

bench-jobs: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/rss
	$(Q)tests/bench/jobs.sh

fuzz: $(B)/fuzz_csv
	$(Q)mkdir -p $(B)/fuzz-corpus && cp tests/fuzz/corpus/* $(B)/fuzz-corpus/ 2>/dev/null; \
	$(B)/fuzz_csv -max_total_time=$${FUZZ_SECONDS:-60} $(B)/fuzz-corpus
	$(Q)$(MAKE) --no-print-directory fuzz-rules
	$(Q)$(MAKE) --no-print-directory fuzz-webhook
	$(Q)$(MAKE) --no-print-directory fuzz-connectors

# The rule language: parser, position index, conditions and templates.
fuzz-rules: $(B)/fuzz_rules
	$(Q)mkdir -p $(B)/fuzz-rules-corpus && cp tests/fuzz/rules-corpus/* $(B)/fuzz-rules-corpus/ 2>/dev/null; \
	$(B)/fuzz_rules -dict=tests/fuzz/rules.dict -max_total_time=$${FUZZ_SECONDS:-60} $(B)/fuzz-rules-corpus

$(B)/fuzz_csv: tests/fuzz/fuzz_csv.c src/csv.c src/utf8.c
	@mkdir -p $(B)
	$(call say,CC,$<)clang $(CSTD) -g -O1 -Isrc -fsanitize=fuzzer,address,undefined -o $@ $^

$(B)/fuzz_rules: tests/fuzz/fuzz_rules.c src/rules.c src/rule_cond.c src/rule_tmpl.c src/json_pos.c \
		 src/xalloc.c src/utf8.c $(B)/rules_builtin.c
	@mkdir -p $(B)
	$(call say,CC,$<)clang $(CSTD) -g -O1 -Isrc $$(pkg-config --cflags jansson) \
		-fsanitize=fuzzer,address,undefined -o $@ $^ $$(pkg-config --libs jansson)

# Inbound webhook payloads (src/webhook_map.c): first byte the topic, the rest the body.
fuzz-webhook: $(B)/fuzz_webhook
	$(Q)mkdir -p $(B)/fuzz-webhook-corpus && cp tests/fuzz/webhook-corpus/* $(B)/fuzz-webhook-corpus/ 2>/dev/null; \
	$(B)/fuzz_webhook -max_total_time=$${FUZZ_SECONDS:-60} $(B)/fuzz-webhook-corpus

$(B)/fuzz_webhook: tests/fuzz/fuzz_webhook.c src/webhook_map.c src/parse.c src/xalloc.c
	@mkdir -p $(B)
	$(call say,CC,$<)clang $(CSTD) -g -O1 -Isrc $$(pkg-config --cflags jansson) \
		-fsanitize=fuzzer,address,undefined -o $@ $^ $$(pkg-config --libs jansson)

# connectors.json checking (src/connectors.c).
fuzz-connectors: $(B)/fuzz_connectors
	$(Q)mkdir -p $(B)/fuzz-connectors-corpus && cp tests/fuzz/connectors-corpus/* $(B)/fuzz-connectors-corpus/ 2>/dev/null; \
	$(B)/fuzz_connectors -max_total_time=$${FUZZ_SECONDS:-60} $(B)/fuzz-connectors-corpus

$(B)/fuzz_connectors: tests/fuzz/fuzz_connectors.c src/connectors.c src/http.c src/rules.c src/rule_cond.c \
		      src/rule_tmpl.c src/json_pos.c src/xalloc.c src/utf8.c $(B)/rules_builtin.c
	@mkdir -p $(B)
	$(call say,CC,$<)clang $(CSTD) -g -O1 -Isrc $$(pkg-config --cflags jansson libcurl) \
		-fsanitize=fuzzer,address,undefined -o $@ $^ $$(pkg-config --libs jansson libcurl)

# Inbound webhooks under wrk (tests/bench/http_in.sh).
$(B)/gen_webhooks: tests/bench/gen_webhooks.c
	@mkdir -p $(B)
	$(call say,CC,$<)$(CC) $(CSTD) -O2 $(WARN) $$(pkg-config --cflags libcrypto) -o $@ $< $$(pkg-config --libs libcrypto)

bench-http: deps
	$(Q)$(MAKE) --no-print-directory orrery $(B)/gen_webhooks $(B)/faultsrv
	$(Q)tests/bench/http_in.sh
	$(Q)FAULTSRV=$(B)/faultsrv tests/bench/http_out.sh

lint:
	$(Q)clang-format --dry-run --Werror src/*.c src/*.h ui/*.c tests/unit/*.c 2>/dev/null || true
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 -Isrc src ui

install: orrery
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 orrery $(DESTDIR)$(PREFIX)/bin/orrery

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/orrery

clean:
	rm -rf .build .build-asan orrery

-include $(shell find $(B) -name '*.d' 2>/dev/null)
