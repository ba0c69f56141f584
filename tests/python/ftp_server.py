"""FTP server for the harvest tests: pyftpdlib on 127.0.0.1 with a free port.

    ftp_server.py ROOT LOG [--user U --password P] [--rate BYTES_PER_SECOND]

Prints "PORT <n>" on stdout once listening. Serves ROOT read-only to U (or to anonymous when
no user is given), and appends one JSON line per finished or broken-off download to LOG:
{"cmd": "RETR", "path": "/2026/305/f.nc.gz", "rest": 0, "bytes": 1234, "completed": true}.
`rest` is the REST offset the client asked for, `bytes` what the server actually sent.
"""

import argparse
import json
import os
import sys
import time

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("log")
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--rate", type=int, default=0)
    args = ap.parse_args()
    root = os.path.realpath(args.root)

    auth = DummyAuthorizer()
    if args.user:
        auth.add_user(args.user, args.password, root, perm="elr")
    else:
        auth.add_anonymous(root, perm="elr")

    class Handler(FTPHandler):
        rest = 0

        def ftp_RETR(self, file):
            self.rest = self._restart_position
            return super().ftp_RETR(file)

        def log_transfer(self, cmd, filename, receive, completed, elapsed, bytes):
            path = "/" + os.path.relpath(os.path.realpath(filename), root)
            line = {"cmd": cmd, "path": path, "rest": self.rest, "bytes": bytes, "completed": bool(completed)}
            with open(args.log, "a") as f:
                f.write(json.dumps(line) + "\n")
            self.rest = 0

    Handler.authorizer = auth
    Handler.passive_ports = None
    # Failed logins answer at once (the default waits 3 s).
    Handler.auth_failed_timeout = 0.05
    if args.rate:
        # A steady rate from the first byte (pyftpdlib's ThrottledDTPHandler lets the first
        # second's worth go at full speed). Sleeping blocks the whole server: fine for tests.
        class Slow(DTPHandler):
            ac_out_buffer_size = 16384

            def use_sendfile(self):
                return False

            def send(self, data):
                sent = super().send(data[:16384])
                time.sleep(sent / args.rate)
                return sent

        Handler.dtp_handler = Slow

    server = FTPServer(("127.0.0.1", 0), Handler)
    print("PORT", server.address[1], flush=True)
    try:
        server.serve_forever(handle_exit=True)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
