# roomctl-sim — the site simulator (devices/sim). Included by the top-level
# Makefile; also usable alone: make -f devices/sim/sim.mk build/roomctl-sim
#
# It links the controller's CSV reader (controller/base/csv.c), RTP wire leaf
# (controller/base/rtp.c, shared by both ends) and libsrtp2's OpenSSL ciphers
# (controller/base/srtp-openssl.c), the SIP SDP offer/answer leaf
# (devices/sip-sdp.c, devices/sdp-attr.c: the SIP mode answers with it) and
# nothing else of the controller. It needs gstreamer-app besides the controller's
# packages (libgstreamer-plugins-base1.0-dev, already in APT_PKGS). The
# WebRTC load modes (sim-webrtc*.c) use libnice's STUN library, libsrtp2 and
# OpenSSL directly, never the controller's devices/webrtc*.c; the SIP mode
# (sim-sip.c) runs its own sofia-sip UAS, never the controller's devices/sip.c.

BUILD ?= build
OPT   ?= -O2 -g

SIM_PKGS    := glib-2.0 gio-2.0 gio-unix-2.0 gstreamer-1.0 gstreamer-app-1.0 gstreamer-sdp-1.0 jansson nice libsrtp2 \
               openssl sofia-sip-ua-glib
# pkg-config runs when a recipe first needs the flags, not when make reads
# this file: on a fresh machine the -dev packages arrive only with the apt
# stamp (SIM_ORDER, set by the top-level Makefile), after the file was read.
SIM_PKG_CFLAGS = $(eval SIM_PKG_CFLAGS := $$(shell pkg-config --cflags $(SIM_PKGS)))$(SIM_PKG_CFLAGS)
SIM_PKG_LIBS   = $(eval SIM_PKG_LIBS := $$(shell pkg-config --libs $(SIM_PKGS)))$(SIM_PKG_LIBS)
SIM_CFLAGS   = $(OPT) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP -Icontroller -I. \
               -DG_LOG_DOMAIN=\"roomctl-sim\" -DG_LOG_USE_STRUCTURED $(SIM_PKG_CFLAGS)
SIM_LDLIBS   = $(SIM_PKG_LIBS) -lm
# What must exist before the first compile (the top-level Makefile's apt stamp).
SIM_ORDER   ?=
SIM_SRC     := $(wildcard devices/sim/*.c)
# sim objects live apart from the controller's so that the two rule sets
# never compete for a target.
SIM_OBJ     := $(SIM_SRC:devices/sim/%.c=$(BUILD)/sim-obj/%.o) $(BUILD)/sim-obj/controller-csv.o \
               $(BUILD)/sim-obj/controller-rc-error.o $(BUILD)/sim-obj/controller-rtp.o \
               $(BUILD)/sim-obj/controller-srtp-openssl.o $(BUILD)/sim-obj/devices-sip-sdp.o \
               $(BUILD)/sim-obj/devices-sdp-attr.o
SIM_LIB_OBJ := $(filter-out $(BUILD)/sim-obj/sim-main.o,$(SIM_OBJ))

$(BUILD)/sim-obj/%.o: devices/sim/%.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-obj/controller-csv.o: controller/base/csv.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $< (for roomctl-sim)"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-obj/controller-rc-error.o: controller/base/rc-error.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $< (for roomctl-sim)"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-obj/controller-rtp.o: controller/base/rtp.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $< (for roomctl-sim)"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-obj/controller-srtp-openssl.o: controller/base/srtp-openssl.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $< (for roomctl-sim)"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/sim-obj/devices-%.o: devices/%.c | $(SIM_ORDER)
	@mkdir -p $(dir $@)
	@echo "  CC $< (for roomctl-sim)"; $(CC) $(SIM_CFLAGS) -c $< -o $@

$(BUILD)/roomctl-sim: $(SIM_OBJ)
	@echo "  LD $@"; $(CC) $(SIM_CFLAGS) $^ -o $@ $(SIM_LDLIBS)

# Unit tests of the simulator's pure parts link the sim objects, not the
# controller core (this pattern's shorter stem wins over $(BUILD)/tests/%).
$(BUILD)/tests/test-sim-%: tests/unit/test-sim-%.c $(SIM_LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(SIM_CFLAGS) $^ -o $@ $(SIM_LDLIBS)

-include $(wildcard $(BUILD)/sim-obj/*.d)
