#!/usr/bin/python3
# fake-journald — stands in for systemd-journald where no systemd runs (a
# container, a test root): binds /run/systemd/journal/socket (the native
# protocol, datagrams) and /run/systemd/journal/stdout (the stream systemd
# connects a service's stderr to), starts COMMAND with its stderr connected
# to that stream and JOURNAL_STREAM naming it, as systemd does for
# StandardError=journal, and prints one JSON line per journal entry on
# stdout: {"native": {FIELD: value, ...}} or {"stderr": "a line"}.
# Run it in a private mount namespace with a tmpfs on /run/systemd:
#   unshare -m --propagation private sh -c \
#     'mount -t tmpfs tmpfs /run/systemd && exec fake-journald.py -- COMMAND...'
# It ends COMMAND on SIGTERM (and when it dies itself), then exits.
import ctypes, json, os, select, signal, socket, struct, subprocess, sys

DIR = '/run/systemd/journal'


def parse_native(data):
    """The journal's native protocol: KEY=value lines, or KEY, a newline, a
    64-bit little-endian length and that many bytes of value, a newline."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b'\n', i)
        line = data[i:nl]
        if b'=' in line:
            k, v = line.split(b'=', 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack('<Q', data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode('utf-8', 'replace')
    return fields


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + '\n')
    sys.stdout.flush()


def main():
    argv = sys.argv[sys.argv.index('--') + 1:]
    os.makedirs(DIR, exist_ok=True)
    native = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    native.bind(DIR + '/socket')
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(DIR + '/stdout')
    listener.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(DIR + '/stdout')
    stream, _ = listener.accept()
    st = os.fstat(client.fileno())
    env = dict(os.environ, JOURNAL_STREAM=f'{st.st_dev}:{st.st_ino}')
    libc = ctypes.CDLL(None, use_errno=True)
    # PR_SET_PDEATHSIG: the command dies with us, whatever kills us.
    child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stderr=client.fileno(),
                             preexec_fn=lambda: libc.prctl(1, signal.SIGKILL))
    client.close()
    emit({'started': child.pid})
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    buf, inputs = b'', [native, stream]
    while True:
        try:
            ready, _, _ = select.select(inputs, [], [], 0.2)
        except InterruptedError:
            ready = []
        for s in ready:
            if s is native:
                emit({'native': parse_native(native.recv(1 << 20))})
                continue
            chunk = stream.recv(65536)
            if not chunk:
                inputs.remove(stream)
                continue
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                emit({'stderr': line.decode('utf-8', 'replace')})
        if child.poll() is not None and not ready:
            emit({'exited': child.returncode})
            return

main()
