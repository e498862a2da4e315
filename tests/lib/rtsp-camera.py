#!/usr/bin/python3
"""An IP camera for the tests: an RTSP server (GStreamer's gst-rtsp-server,
as cameras' firmware often is) at rtsp://127.0.0.1:PORT/cam serving H.264
and a sine tone of FREQ Hz in CODEC (pcmu, pcma or g722; none: no audio
stream, a camera without a microphone), one shared stream for every client.
Prints "ready" once it listens.
    /usr/bin/python3 rtsp-camera.py PORT FREQ CODEC"""
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

AUDIO = {
    'pcmu': 'audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0',
    'pcma': 'audioresample ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8',
    'g722': 'audioresample ! audio/x-raw,rate=16000,channels=1 ! avenc_g722 ! rtpg722pay name=pay1 pt=9',
}


def main():
    port, freq, codec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        '( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 ! '
        'x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 key-int-max=25 ! '
        'rtph264pay name=pay0 pt=96 config-interval=-1 ' +
        (f'audiotestsrc is-live=true freq={freq} volume=0.5 ! audioconvert ! {AUDIO[codec]} ' if codec != 'none' else '') +
        ')')
    factory.set_shared(True)
    server.get_mount_points().add_factory('/cam', factory)
    if server.attach(None) == 0:
        sys.exit('cannot listen on port ' + port)
    print('ready', flush=True)
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
