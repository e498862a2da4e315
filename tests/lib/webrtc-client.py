#!/usr/bin/python3
"""A WHIP publisher / WHEP viewer built on GStreamer's webrtcbin, independent of
roomctl's own code: the interop client of the WebRTC integration tests.

  webrtc-client.py [--seconds N] [--ca FILE] -- publish URL TOKEN
  webrtc-client.py [--seconds N] [--ca FILE] -- view URL TOKEN
  webrtc-client.py publish|view --print-offer     (prints the offer and exits)

('--' before the positionals: a token may start with '-'.)

It waits for ICE gathering to complete and POSTs the whole offer (the server
is ICE-lite, no trickle), prints one JSON line of figures a second on stdout
and a final one ({"final": true, ...}) on exit, and DELETEs its resource on
exit. An HTTP error exits with status 2 after a line {"http_status", "body"}.
Run it with Debian's /usr/bin/python3 (python3-gst-1.0), not a pyenv python.
"""

import argparse
import json
import signal
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstSdp', '1.0')
gi.require_version('GstWebRTC', '1.0')
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

# Fixed descriptions (no user text in them).
PUBLISH_VIDEO = (
    'videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! video/x-raw,width=320,height=240,framerate=25/1 ! '
    'x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 key-int-max=25 ! '
    'video/x-h264,profile=constrained-baseline ! '
    'rtph264pay name=vpay pt=96 config-interval=-1 mtu=1200 ! '
    'capsfilter caps=application/x-rtp,media=video,encoding-name=H264,payload=96')
PUBLISH_AUDIO = (
    'audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc ! '
    'rtpopuspay name=apay pt=111 ! capsfilter caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=111')
VIEW_CAPS = {
    'video': 'application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,'
             'packetization-mode=(string)1,profile-level-id=(string)42e01f',
    'audio': 'application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,'
             'encoding-params=(string)2',
}
VIEW_DECODE = {
    'video': 'rtph264depay ! h264parse ! avdec_h264 name=dec ! fakesink name=sink sync=false',
    'audio': 'rtpopusdepay ! opusdec name=dec ! fakesink name=sink sync=false',
}


class Client:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.counts = {'frames_decoded': 0, 'video_packets': 0, 'audio_packets': 0, 'audio_buffers': 0,
                       'sent_video_packets': 0, 'sent_audio_packets': 0}
        self.location = None
        self.video_out = None  # the video decoder's src pad (view)
        self.error = None
        self.exit_code = 0
        self.pipe = Gst.Pipeline.new('client')
        self.wb = Gst.ElementFactory.make('webrtcbin', 'wb')
        self.wb.set_property('bundle-policy', GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipe.add(self.wb)
        # Read once, with a reference of our own: webrtcbin 1.22 never sinks
        # its agent's floating reference, so PyGObject's wrapper takes it and
        # would free the agent under the element when it is collected.
        self.ice = self.wb.get_property('ice-agent')
        self.ice.ref()
        self.ice.set_property('ice-tcp', False)
        if args.local_address:
            # Without it libnice leaves loopback out of its host candidates.
            self.ice.emit('add-local-ip-address', args.local_address)
        if args.mode == 'publish':
            self.build_publish()
        else:
            self.build_view()
        self.wb.connect('notify::ice-gathering-state', self.on_gathering)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect('message::error', self.on_error)

    # -- pipelines ------------------------------------------------------
    def count_probe(self, pad, key):
        def probe(_pad, info):
            if info.type & Gst.PadProbeType.BUFFER_LIST:
                self.counts[key] += info.get_buffer_list().length()
            else:
                self.counts[key] += 1
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, probe)

    def build_publish(self):
        for desc, pay, key in ((PUBLISH_VIDEO, 'vpay', 'sent_video_packets'),
                               (PUBLISH_AUDIO, 'apay', 'sent_audio_packets')):
            branch = Gst.parse_bin_from_description(desc, True)
            self.pipe.add(branch)
            self.count_probe(branch.get_by_name(pay).get_static_pad('src'), key)
            sink = self.wb.request_pad_simple('sink_%u')
            branch.get_static_pad('src').link(sink)
            sink.get_property('transceiver').set_property(
                'direction', GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)

    def build_view(self):
        for caps in VIEW_CAPS.values():
            self.wb.emit('add-transceiver', GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY,
                         Gst.Caps.from_string(caps))
        self.wb.connect('pad-added', self.on_pad_added)

    def on_pad_added(self, _wb, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = caps.get_structure(0).get_string('media')
        if media not in VIEW_DECODE:
            return
        self.count_probe(pad, media + '_packets')
        branch = Gst.parse_bin_from_description(VIEW_DECODE[media], True)
        self.pipe.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad('sink'))
        dec_src = branch.get_by_name('dec').get_static_pad('src')
        self.count_probe(dec_src, 'frames_decoded' if media == 'video' else 'audio_buffers')
        if media == 'video':
            self.video_out = dec_src

    # -- offer / answer -------------------------------------------------
    def start(self):
        self.pipe.set_state(Gst.State.PLAYING)
        if self.args.mode == 'publish':
            # The offer carries what the pads' caps say (H.264's fmtp, the
            # SSRCs): it waits until both payloaders have negotiated.
            GLib.timeout_add(50, self.offer_when_negotiated)
        else:
            self.create_offer()

    def offer_when_negotiated(self):
        if any(pad.get_current_caps() is None for pad in self.wb.sinkpads):
            return True
        self.create_offer()
        return False

    def create_offer(self):
        promise = Gst.Promise.new_with_change_func(self.on_offer, None)
        self.wb.emit('create-offer', None, promise)

    def on_offer(self, promise, _data):
        reply = promise.get_reply()
        offer = reply.get_value('offer') if reply.has_field('offer') else None
        if offer is None:
            self.error = f'create-offer: {reply.to_string()}'
            self.exit_code = 3
            GLib.idle_add(self.loop.quit)
            return
        self.wb.emit('set-local-description', offer, Gst.Promise.new())

    def on_gathering(self, wb, _pspec):
        if wb.get_property('ice-gathering-state') != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        sdp = wb.get_property('local-description').sdp.as_text()
        GLib.idle_add(self.exchange, sdp)

    def exchange(self, sdp):
        if self.args.print_offer:
            sys.stdout.write(sdp)
            self.loop.quit()
            return False
        status, headers, body = self.http('POST', self.args.url, sdp.encode(), 'application/sdp')
        if status != 201:
            return self.fail(status, body)
        loc = headers.get('Location')
        self.location = urllib.parse.urljoin(self.args.url, loc) if loc else None
        ok, msg = GstSdp.SDPMessage.new_from_text(body.decode())
        if ok != GstSdp.SDPResult.OK:
            return self.fail(status, b'unparsable answer: ' + body)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.wb.emit('set-remote-description', answer, Gst.Promise.new())
        return False

    def fail(self, status, body):
        print(json.dumps({'http_status': status, 'body': body.decode(errors='replace')}), flush=True)
        self.exit_code = 2
        self.loop.quit()
        return False

    def http(self, method, url, data=None, ctype=None):
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header('Authorization', 'Bearer ' + self.args.token)
        if ctype:
            req.add_header('Content-Type', ctype)
        ctx = ssl.create_default_context(cafile=self.args.ca) if url.startswith('https') else None
        try:
            with urllib.request.urlopen(req, timeout=10, context=ctx) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except OSError as e:  # refused, reset, timed out: no HTTP status
            return 0, {}, str(e).encode()

    # -- figures and end ------------------------------------------------
    def figures(self, final=False):
        state = {'state': self.wb.get_property('connection-state').value_nick,
                 'ice': self.wb.get_property('ice-connection-state').value_nick,
                 **self.counts}
        caps = self.video_out.get_current_caps() if self.video_out else None
        if caps:
            state['video_width'] = caps.get_structure(0).get_value('width')
        if self.location:
            state['location'] = urllib.parse.urlparse(self.location).path
        if self.error:
            state['error'] = self.error
        if final:
            state['final'] = True
        print(json.dumps(state), flush=True)

    def tick(self):
        self.figures()
        return True

    def on_error(self, _bus, msg):
        err, _dbg = msg.parse_error()
        self.error = f'{msg.src.get_name()}: {err.message}'
        self.exit_code = 3
        self.loop.quit()

    def run(self):
        self.start()
        if not self.args.print_offer:
            GLib.timeout_add_seconds(1, self.tick)
        if self.args.seconds:
            GLib.timeout_add_seconds(self.args.seconds, self.loop.quit)
        for sig in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, self.loop.quit)
        self.loop.run()
        if self.location:
            status, _h, _b = self.http('DELETE', self.location)
            self.counts['delete_status'] = status
        if not self.args.print_offer and self.exit_code != 2:
            self.figures(final=True)
        self.pipe.set_state(Gst.State.NULL)
        return self.exit_code


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('mode', choices=['publish', 'view'])
    p.add_argument('url', nargs='?', default='')
    p.add_argument('token', nargs='?', default='')
    p.add_argument('--seconds', type=int, default=0, help='stop after N seconds (0: until SIGINT/SIGTERM)')
    p.add_argument('--ca', help='CA file for an https URL')
    p.add_argument('--local-address', help='the address of the host candidates '
                   '(default: 127.0.0.1 when the URL is on loopback)')
    p.add_argument('--print-offer', action='store_true', help='print the offer SDP and exit')
    args = p.parse_args()
    if not args.print_offer and not (args.url and args.token):
        p.error('URL and TOKEN are needed')
    host = urllib.parse.urlparse(args.url).hostname
    if args.local_address is None and (args.print_offer or host in ('127.0.0.1', 'localhost')):
        args.local_address = '127.0.0.1'
    Gst.init(None)
    sys.exit(Client(args).run())


if __name__ == '__main__':
    main()
