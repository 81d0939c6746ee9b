# The command PostgreSQL and Patroni run in the sandbox where Spilo runs
# wal-g: it hands its arguments to the sandbox's WAL-G stand-in
# (walg-server.ts) over a Unix socket and writes what comes back as the
# member's own user. Python (Patroni's own interpreter, started with -S -E)
# because a call costs milliseconds: restore_command runs for every WAL
# segment and for every file recovery only probes for.
#   python3 -S -E walg-client.py SOCKET --config FILE <command> [args...]
# Exit 0 on success, 1 when the file or backup does not exist, 2 on errors.
import json
import os
import socket
import struct
import sys
import time


def say(stream, text):
    if text:
        stream.write(text.rstrip('\n') + '\n')
        stream.flush()


def fail(message):
    say(sys.stderr, 'walg (sandbox stand-in): ' + message)
    sys.exit(2)


def connect(path):
    # The server binds its socket as the sandbox starts: give it a moment, no more.
    deadline = time.monotonic() + 10
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError as e:
            s.close()
            if time.monotonic() > deadline:
                fail('cannot reach the sandbox\'s WAL-G stand-in at %s: %s' % (path, e.strerror))
            time.sleep(0.1)


def exactly(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf.extend(chunk)
    return bytes(buf)


class Sink:
    def __init__(self, spec):
        self.tar = None
        self.file = None
        self.spec = spec
        if 'file' in spec:
            self.file = open(spec['file'], 'wb')
        else:
            import subprocess
            os.makedirs(spec['tar'], mode=0o700, exist_ok=True)
            self.tar = subprocess.Popen(['tar', '-x', '-f', '-', '-C', spec['tar']], stdin=subprocess.PIPE)

    def write(self, data):
        (self.file or self.tar.stdin).write(data)

    def finish(self):
        if self.file:
            self.file.close()
            return
        self.tar.stdin.close()
        if self.tar.wait() != 0:
            fail('tar exited with %d unpacking into %s' % (self.tar.returncode, self.spec['tar']))
        # pg_basebackup's tar leaves pg_wal empty, or out: PostgreSQL needs it, and the directory private.
        os.makedirs(os.path.join(self.spec['tar'], 'pg_wal'), mode=0o700, exist_ok=True)
        os.chmod(self.spec['tar'], 0o700)

    def abandon(self):
        if self.file:
            self.file.close()
            try:
                os.unlink(self.spec['file'])
            except OSError:
                pass
        elif self.tar:
            self.tar.kill()


def main():
    if len(sys.argv) < 2:
        fail('usage: walg-client.py SOCKET --config FILE COMMAND ...')
    s = connect(sys.argv[1])
    s.sendall((json.dumps({'argv': sys.argv[2:], 'cwd': os.getcwd()}) + '\n').encode())
    sink = None
    while True:
        head = exactly(s, 5)
        if head is None:
            if sink:
                sink.abandon()
            fail('the sandbox\'s WAL-G stand-in went away mid-answer')
        kind, size = head[:1], struct.unpack('>I', head[1:])[0]
        payload = exactly(s, size) if size else b''
        if payload is None:
            if sink:
                sink.abandon()
            fail('the sandbox\'s WAL-G stand-in went away mid-answer')
        if kind == b'H':
            sink = Sink(json.loads(payload))
        elif kind == b'D':
            sink.write(payload)
        elif kind == b'E':
            done = json.loads(payload)
            if sink:
                if done['code'] == 0:
                    sink.finish()
                else:
                    sink.abandon()
            if done['code'] == 0:
                for path, text in (done.get('write') or {}).items():
                    with open(path, 'w') as f:
                        f.write(text)
            say(sys.stdout, done.get('out'))
            if done.get('err'):
                say(sys.stderr, 'walg (sandbox stand-in): ' + done['err'])
            sys.exit(done['code'])


if __name__ == '__main__':
    main()
