# devices/room-audio.mk — the room audio adapter (PortAudio) and its unit
# tests. Included by the main Makefile after $(BUILD), $(CC) and $(CFLAGS)
# are set. For the daemon: link $(ROOM_AUDIO_OBJ) with $(ROOM_AUDIO_LIBS) and
# compile its users with $(ROOM_AUDIO_CFLAGS).
# Debian packages: portaudio19-dev (PortAudio, libasound2); alsa-utils only
# to look at tests/asoundrc by hand (aplay -L). Already in APT_PKGS.

ROOM_AUDIO_PKGS   := portaudio-2.0 glib-2.0
ROOM_AUDIO_SRC    := devices/room-audio.c devices/audio-ring.c devices/audio-meter.c
ROOM_AUDIO_OBJ    := $(ROOM_AUDIO_SRC:%.c=$(BUILD)/obj/%.o)
ROOM_AUDIO_CFLAGS := -Idevices $(shell pkg-config --cflags $(ROOM_AUDIO_PKGS) 2>/dev/null)
ROOM_AUDIO_LIBS   := $(shell pkg-config --libs $(ROOM_AUDIO_PKGS) 2>/dev/null) -lm
ROOM_AUDIO_TESTS  := $(BUILD)/tests/test-audio-ring $(BUILD)/tests/test-room-audio

# The objects come from the main Makefile's $(BUILD)/obj/%.o rule.
$(ROOM_AUDIO_OBJ): CFLAGS += $(ROOM_AUDIO_CFLAGS)
$(ROOM_AUDIO_OBJ): devices/room-audio.mk

# Explicit rules: they take precedence over $(BUILD)/tests/%, which would
# link the controller core instead.
$(BUILD)/tests/test-audio-ring: tests/unit/test-audio-ring.c $(BUILD)/obj/devices/audio-ring.o
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(CFLAGS) $(ROOM_AUDIO_CFLAGS) $^ -o $@ $(ROOM_AUDIO_LIBS)

# The test points ALSA at tests/asoundrc itself (RC_TEST_ASOUNDRC).
$(BUILD)/tests/test-room-audio: tests/unit/test-room-audio.c $(ROOM_AUDIO_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(CFLAGS) $(ROOM_AUDIO_CFLAGS) -DRC_TEST_ASOUNDRC='"$(CURDIR)/tests/asoundrc"' \
	  $^ -o $@ $(ROOM_AUDIO_LIBS)
