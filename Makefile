# roomctl — build, install dependencies, run the demo, test.
# `make run` and `make test` each work alone on a fresh Debian 12 machine.

CC      ?= gcc
BUILD   := build
PKGS    := glib-2.0 gio-2.0 gstreamer-1.0 gstreamer-app-1.0 gstreamer-net-1.0 gstreamer-video-1.0 \
           gstreamer-rtsp-server-1.0 gstreamer-sdp-1.0 gstreamer-rtp-1.0 nice libsrtp2 portaudio-2.0 \
           libwebsockets openssl jansson libsodium sqlite3 poppler-glib pangocairo libzip libqpdf libsystemd \
           sofia-sip-ua sofia-sip-ua-glib
OPT     ?= -O2 -g
CFLAGS  += $(OPT) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP \
           -Icontroller -I. \
           -DG_LOG_USE_STRUCTURED -DRC_VERSION='"$(VERSION)"' -DRC_WEB_ROOT='"$(CURDIR)/web"' -DRC_DEMO_DIR='"$(CURDIR)/configs/demo"' \
           -DRC_DEMO_PDF_DIR='"$(CURDIR)/build/demo"' \
           $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm
# pkg-config runs once, when a recipe first needs the flags: on a fresh
# machine the -dev packages arrive with the apt stamp, after make has read
# this file (every compile is ordered after the stamp).
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
VERSION := 0.1.0

# Debian packages the build, the demo and the tests need.
APT_PKGS := build-essential pkg-config libglib2.0-dev libgstreamer1.0-dev \
  libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libgstrtspserver-1.0-dev \
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
  libwebsockets-dev libssl-dev openssl libsqlite3-dev sqlite3 libsodium-dev libjansson-dev \
  libpoppler-glib-dev poppler-utils libnss3-tools portaudio19-dev alsa-utils \
  libcairo2-dev libpango1.0-dev libzip-dev fonts-dejavu-core fonts-noto-core unzip \
  chromium curl perl ffmpeg prometheus clang libclang-rt-14-dev valgrind python3-icalendar \
  gstreamer1.0-x libxml2-utils libqpdf-dev tzdata libsystemd-dev systemd \
  libsrtp2-dev libnice-dev gstreamer1.0-nice python3-gst-1.0 gir1.2-gst-plugins-bad-1.0 \
  gir1.2-gst-rtsp-server-1.0 libsofia-sip-ua-dev libsofia-sip-ua-glib-dev sip-tester baresip-core baresip-ffmpeg \
  linphone-cli
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

CORE_SRC := $(filter-out controller/main.c controller/tools/%,$(wildcard controller/*.c controller/*/*.c devices/*.c))
UNIT_SIM := $(wildcard tests/unit/test-sim-*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SIM_BIN  := $(BUILD)/roomctl-sim
DEMO_TXT := $(wildcard configs/demo/docs/*.txt)
DEMO_PDF := $(DEMO_TXT:configs/demo/docs/%.txt=$(BUILD)/demo/%.pdf)

.PHONY: all deps run install uninstall test check-fresh unit integration browser bench crash soak clean distclean check-config check-asan asan-build check-valgrind fuzz fuzz-build
all: $(BUILD)/roomctl $(BUILD)/roomctl-sim $(BUILD)/mkpdf $(DEMO_PDF) web/vendor/.stamp

# ---- dependencies -----------------------------------------------------------
# A stamp per input: apt runs only when a package is missing, npm ci only when a
# lock file changed. The apt stamp is one for every build directory (the
# ASan and fuzz builds are sub-makes with another BUILD).
APT_STAMP := build/.apt-stamp
deps: $(APT_STAMP) tests/node_modules/.stamp web/vendor/.stamp

$(APT_STAMP): Makefile tests/check-deps
	@mkdir -p $(dir $@)
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@tests/check-deps
	@touch $@

tests/node_modules/.stamp: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/node_modules/.stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Front-end libraries are copied from npm packages into web/vendor (git-ignored).
web/vendor/.stamp: web/node_modules/.stamp Makefile
	@mkdir -p web/vendor/pdfjs web/vendor/uplot web/vendor/marked
	cp web/node_modules/pdfjs-dist/build/pdf.min.mjs web/node_modules/pdfjs-dist/build/pdf.worker.min.mjs web/vendor/pdfjs/
	cp web/node_modules/uplot/dist/uPlot.esm.js web/node_modules/uplot/dist/uPlot.min.css web/vendor/uplot/
	cp web/node_modules/marked/lib/marked.esm.js web/vendor/marked/
	@touch $@

# ---- build ------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c Makefile | $(APT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/roomctl: $(BUILD)/obj/controller/main.o $(CORE_OBJ)
	@echo "  LD $@"; $(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/mkpdf: controller/tools/mkpdf.c | $(APT_STAMP)
	$(CC) $(CFLAGS) $< -o $@ $$(pkg-config --cflags --libs pangocairo cairo glib-2.0)

$(BUILD)/demo/%.pdf: configs/demo/docs/%.txt $(BUILD)/mkpdf
	@mkdir -p $(dir $@)
	SOURCE_DATE_EPOCH=1790000000 $(BUILD)/mkpdf $< $@

# ---- layers (notes/relayer.sh) ----------------------------------------------
# Each folder of controller/ is a layer; <LAYER>_OBJ holds its objects and
# those of the layers it may use (base < model < store < records; devices <
# media; app uses all of those; api uses app; net uses api). A unit test
# links only its module's layer: UNIT_<LAYER> names the tests (test-<name>.c)
# of each; a test in no list links the whole core. The simulator's tests
# (test-sim-*) are devices/sim/sim.mk's.
layer_obj    = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(addsuffix /*.c,$1)))
BASE_OBJ    := $(call layer_obj,controller/base)
MODEL_OBJ   := $(BASE_OBJ) $(call layer_obj,controller/model)
STORE_OBJ   := $(MODEL_OBJ) $(call layer_obj,controller/store)
RECORDS_OBJ := $(STORE_OBJ) $(call layer_obj,controller/records)
DEVICES_OBJ := $(BASE_OBJ) $(call layer_obj,devices)
MEDIA_OBJ   := $(DEVICES_OBJ) $(call layer_obj,controller/media)
APP_OBJ     := $(sort $(RECORDS_OBJ) $(MEDIA_OBJ) $(call layer_obj,controller/app))
API_OBJ     := $(APP_OBJ) $(call layer_obj,controller/api)
NET_OBJ     := $(API_OBJ) $(call layer_obj,controller/net)

UNIT_BASE    := config csv ipv4-net media-rtp service srtp-openssl seal
UNIT_MODEL   := ballot-box floor health keypad meeting vote
UNIT_STORE   := audit backup store store-sip
UNIT_RECORDS := ical import records
UNIT_DEVICES := audio-codec audio-ring room-audio webrtc-sdp webrtc sip-sdp sip-info sip-exit rtp-event
UNIT_MEDIA   := media-stats mixer site-transport
UNIT_APP     := access app-audit domain site-health site-credentials site-floor site-srtp-keys
UNIT_API     := schema
UNIT_NET     := net-parse
UNIT_LISTED  := $(UNIT_BASE) $(UNIT_MODEL) $(UNIT_STORE) $(UNIT_RECORDS) $(UNIT_DEVICES) $(UNIT_MEDIA) $(UNIT_APP) $(UNIT_API) $(UNIT_NET)
unit_bin     = $(patsubst %,$(BUILD)/tests/test-%,$1)
$(call unit_bin,$(UNIT_BASE)): $(BASE_OBJ)
$(call unit_bin,$(UNIT_MODEL)): $(MODEL_OBJ)
$(call unit_bin,$(UNIT_STORE)): $(STORE_OBJ)
$(call unit_bin,$(UNIT_RECORDS)): $(RECORDS_OBJ)
$(call unit_bin,$(UNIT_DEVICES)): $(DEVICES_OBJ)
$(call unit_bin,$(UNIT_MEDIA)): $(MEDIA_OBJ)
$(call unit_bin,$(UNIT_APP)): $(APP_OBJ)
$(call unit_bin,$(UNIT_API)): $(API_OBJ)
$(call unit_bin,$(UNIT_NET)): $(NET_OBJ)
$(filter-out $(call unit_bin,$(UNIT_LISTED)) $(UNIT_SIM:tests/unit/%.c=$(BUILD)/tests/%),$(UNIT_BIN)): $(CORE_OBJ)
# ---- end of layers

$(BUILD)/tests/%: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# ---- run --------------------------------------------------------------------
# The demo: roomctl on port 8080 with .data/ in the checkout, and SIM_SITES
# simulated sites sending (they show up once a session goes live).
# `make run TLS=1`: HTTPS/WSS with a self-signed certificate made once in
# build/tls/ (plain http:// on the port is redirected to https://).
SIM_SITES ?= 24
TLS ?=
TLS_DIR := $(BUILD)/tls
RUN_CONF := $(if $(TLS),$(TLS_DIR)/roomctl.conf,configs/roomctl.conf)

$(TLS_DIR)/cert.pem:
	@mkdir -p $(TLS_DIR)
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=localhost \
	  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout $(TLS_DIR)/key.pem -out $@ 2>/dev/null
	@chmod 600 $(TLS_DIR)/key.pem

# The demo config with the two TLS keys set (relative paths are taken from
# the file's directory, so the copy points back at the checkout).
$(TLS_DIR)/roomctl.conf: configs/roomctl.conf $(TLS_DIR)/cert.pem
	sed -e 's|^tls_cert=.*|tls_cert=cert.pem|' -e 's|^tls_key=.*|tls_key=key.pem|' \
	  -e 's|^data_dir=\.\./|data_dir=../../|' -e 's|^web_root=\.\./|web_root=../../|' \
	  -e 's|^dir=demo|dir=../../configs/demo|' -e 's|^pdf_dir=\.\./|pdf_dir=../../|' $< > $@

run: deps all $(if $(TLS),$(TLS_DIR)/roomctl.conf)
	@$(BUILD)/roomctl-sim --controller 127.0.0.1 --count $(SIM_SITES) -q > .data-sim.log 2>&1 & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	echo "roomctl-sim: $(SIM_SITES) simulated sites sending to 127.0.0.1:5004/5006 (log in .data-sim.log)"; \
	$(BUILD)/roomctl --config $(RUN_CONF) --data-dir .data --demo

# ---- install ----------------------------------------------------------------
# `make install` (as root; PREFIX and DESTDIR honoured): the binaries, the web
# apps and these docs, the demo data, the systemd unit, sysusers and sysctl
# files, and a sample config for this layout. An existing /etc/roomctl/roomctl.conf is
# never overwritten: the sample always goes to roomctl.conf.dist beside it,
# and to roomctl.conf only when there is none. Steps after it:
# web/docs/operations.md#install-as-a-service.
PREFIX      ?= /usr/local
SYSCONFDIR  ?= /etc
BINDIR      := $(PREFIX)/bin
DATADIR     := $(PREFIX)/share/roomctl
UNITDIR     := $(PREFIX)/lib/systemd/system
SYSUSERSDIR := $(PREFIX)/lib/sysusers.d
SYSCTLDIR   := $(PREFIX)/lib/sysctl.d
STATEDIR    := /var/lib/roomctl
CONFDIR     := $(SYSCONFDIR)/roomctl
DEMO_FILES  := README.md organisations.csv rooms.csv session.ini session-sgtvt.ini session-stnmt.ini sites.csv \
               users.csv

# The sample config: configs/roomctl.conf (every key and its default,
# documented) with the paths of the installed layout. Made again at every
# install: PREFIX may differ from the last one.
.PHONY: FORCE
$(BUILD)/roomctl.conf.dist: configs/roomctl.conf FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|^# Check a file with: .*|# Check a file with:  roomctl --check-config $(CONFDIR)/roomctl.conf|' \
	  -e 's|^data_dir=.*|data_dir=$(STATEDIR)|' -e 's|^web_root=.*|web_root=$(DATADIR)/web|' \
	  -e 's|^dir=demo$$|dir=$(DATADIR)/demo|' -e 's|^pdf_dir=.*|pdf_dir=$(DATADIR)/demo/pdf|' \
	  -e 's|^organisation=.*|organisation=HỘI ĐỒNG NHÂN DÂN TỈNH|' -e 's|`build/roomctl |`roomctl |' \
	  -e "s|Default: the checkout's build/demo.|Installed with roomctl.|" $< > $@
	@grep -q '^data_dir=$(STATEDIR)$$' $@ && grep -q '^web_root=$(DATADIR)/web$$' $@ || \
	  { echo "install: configs/roomctl.conf changed shape; fix the sed in the Makefile" >&2; rm -f $@; exit 1; }

# The unit names /usr/local; another PREFIX is written into the copy.
$(BUILD)/roomctl.service: configs/roomctl.service FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|/usr/local/|$(PREFIX)/|g' -e 's|/etc/roomctl/|$(CONFDIR)/|g' $< > $@

install: all $(BUILD)/roomctl.conf.dist $(BUILD)/roomctl.service
	install -D -m 755 $(BUILD)/roomctl $(DESTDIR)$(BINDIR)/roomctl
	install -D -m 755 $(BUILD)/roomctl-sim $(DESTDIR)$(BINDIR)/roomctl-sim
	cd web && find . -path ./node_modules -prune -o -type f ! -name 'package*.json' -print | while read -r f; do \
	  install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/web/$$f" || exit 1; done
	for f in $(DEMO_FILES); do install -D -m 644 configs/demo/$$f $(DESTDIR)$(DATADIR)/demo/$$f || exit 1; done
	for f in $(DEMO_PDF); do install -D -m 644 $$f $(DESTDIR)$(DATADIR)/demo/pdf/$$(basename $$f) || exit 1; done
	install -D -m 644 $(BUILD)/roomctl.service $(DESTDIR)$(UNITDIR)/roomctl.service
	install -D -m 644 configs/roomctl.sysusers $(DESTDIR)$(SYSUSERSDIR)/roomctl.conf
	install -D -m 644 configs/roomctl.sysctl $(DESTDIR)$(SYSCTLDIR)/60-roomctl.conf
	install -D -m 644 $(BUILD)/roomctl.conf.dist $(DESTDIR)$(CONFDIR)/roomctl.conf.dist
	@if [ -e $(DESTDIR)$(CONFDIR)/roomctl.conf ]; then \
	  echo "install: kept $(DESTDIR)$(CONFDIR)/roomctl.conf; the new sample is roomctl.conf.dist beside it"; \
	else install -m 644 $(BUILD)/roomctl.conf.dist $(DESTDIR)$(CONFDIR)/roomctl.conf && \
	  echo "install: wrote $(DESTDIR)$(CONFDIR)/roomctl.conf (edit it, then systemctl enable --now roomctl)"; fi

# Removes what install put in, except the config if it was edited and the
# data in /var/lib/roomctl (and the roomctl user).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/roomctl $(DESTDIR)$(BINDIR)/roomctl-sim $(DESTDIR)$(UNITDIR)/roomctl.service \
	  $(DESTDIR)$(SYSUSERSDIR)/roomctl.conf $(DESTDIR)$(SYSCTLDIR)/60-roomctl.conf
	rm -rf $(DESTDIR)$(DATADIR)
	@if cmp -s $(DESTDIR)$(CONFDIR)/roomctl.conf $(DESTDIR)$(CONFDIR)/roomctl.conf.dist; then \
	  rm -f $(DESTDIR)$(CONFDIR)/roomctl.conf; fi
	rm -f $(DESTDIR)$(CONFDIR)/roomctl.conf.dist
	-rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null
	@[ ! -e $(DESTDIR)$(CONFDIR)/roomctl.conf ] || echo "uninstall: kept the edited $(DESTDIR)$(CONFDIR)/roomctl.conf"

# README's two commands in a new minimal Debian 12 root (debootstrap), on the
# committed HEAD: make test in one root, make run in another until a simulated
# site is online. Not part of make test (30-60 min); needs root.
check-fresh:
	tests/check-fresh

check-config: $(BUILD)/roomctl
	$(BUILD)/roomctl --check-config configs/roomctl.conf

# ---- tests ------------------------------------------------------------------
test: deps all $(UNIT_BIN) fuzz-build asan-build
	tests/run

unit: $(UNIT_BIN)
	tests/run unit

# The same unit and integration suites against an ASan + UBSan build
# (build/asan); `make test` runs them too.
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan-build: deps
	$(MAKE) --no-print-directory BUILD=build/asan OPT="$(ASAN_CFLAGS)" build/asan/roomctl \
	  $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

check-asan: all asan-build
	ASAN_SKIP= tests/run asan-unit asan-integration

# A part of the integration suite under valgrind memcheck (also in make test).
check-valgrind: all
	tests/run valgrind

# libFuzzer targets for every parser of outside input (tests/fuzz/), built
# with clang, ASan and UBSan. `make fuzz` runs each for FUZZ_SECONDS; `make
# test` runs a short smoke of each.
FUZZ_BUILD   := build/fuzz
FUZZ_OPT     := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(CORE_OBJ)
	@echo "  LD $@"; $(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS)

fuzz-build: | $(APT_STAMP)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="$(FUZZ_OPT)" $(FUZZ_TARGETS)

fuzz: deps fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS)

# Benchmarks need nginx (the docs baseline) and wrk besides the test deps.
BENCH_APT_PKGS := nginx wrk
$(BUILD)/bench-relay: tests/bench/relay.c
	@echo "  CC $<"; $(CC) -O2 -std=c17 -Wall -Wextra -Werror $< -o $@

# make bench: tests/bench/run's default list. make bench NAME...: only those
# (make bench soak: the 10-minute soak, which is not in the default list);
# the names are then goals that do nothing of their own.
BENCH_NAMES := $(filter-out common,$(basename $(notdir $(wildcard tests/bench/*.mjs))))
BENCH_ARGS  := $(filter $(BENCH_NAMES),$(MAKECMDGOALS))

bench: deps all $(BUILD)/bench-relay
	@missing=$$(for p in $(BENCH_APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi
	tests/bench/run $(BENCH_ARGS)

ifneq ($(filter bench,$(MAKECMDGOALS)),)
ifneq ($(BENCH_ARGS),)
$(BENCH_ARGS):
	@:
endif
else
# Crash durability at length (CRASH_ROUNDS=50 by default); also part of make bench.
crash: deps all
	tests/bench/run crash

# The soak alone, as make bench soak.
soak: deps all
	tests/bench/run soak
endif

clean:
	rm -rf $(BUILD) web/vendor

distclean: clean
	rm -rf tests/node_modules web/node_modules .data

SIM_ORDER := $(APT_STAMP)
include devices/sim/sim.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
