"""A tiny SMTP sink for bench/cluster.sh: accepts every message and records it, one JSON line each.

    .venv/bin/python bench/cluster_smtp.py --host 127.0.0.1 --port 2525 --out sink.jsonl [--delay 0.2]

Each line: received_at (Unix time), message_id, to, subject, text (the text/plain part) and the
client's address. A message is recorded as soon as its data is complete, before the 250 reply
(what a real mail server does: a client that dies before reading the reply has still delivered,
the at-least-once boundary the reminder sender documents). `--delay` holds the reply that long,
like a slow mail server. Loopback only; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import signal
import socketserver
import sys
import threading
import time

LOOPBACK_PREFIXES = ("127.", "localhost")


def parse_message(raw: bytes) -> dict:
    """Message-ID, recipients, subject and the plain-text body of one raw message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "message_id": str(message.get("Message-ID", "")),
        "to": str(message.get("To", "")),
        "subject": str(message.get("Subject", "")),
        "text": body.get_content().replace("\r\n", "\n") if body is not None else "",
    }


class SinkHandler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 cluster-sink ESMTP")
        envelope_to: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-cluster-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 cluster-sink")
            elif verb == "MAIL":
                envelope_to = []
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope_to.append(line.decode("latin-1").split(":", 1)[-1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.record(self.read_data(), envelope_to)
                if self.server.delay:
                    time.sleep(self.server.delay)
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in {"RSET", "NOOP"}:
                envelope_to = []
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline()
            if not line or line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def record(self, raw: bytes, envelope_to: list[str]) -> None:
        entry = {"received_at": time.time(), "envelope_to": envelope_to, **parse_message(raw)}
        entry["client"] = self.client_address[0]
        with self.server.lock:
            self.server.out.write(json.dumps(entry) + "\n")
            self.server.out.flush()


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    if not args.host.startswith(LOOPBACK_PREFIXES):
        sys.exit("cluster_smtp: loopback addresses only")
    server = SinkServer((args.host, args.port), SinkHandler)
    server.delay = args.delay
    server.lock = threading.Lock()
    server.out = open(args.out, "a", encoding="utf-8")  # noqa: SIM115 - open for the server's life
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"cluster_smtp: listening on {args.host}:{args.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.out.close()


if __name__ == "__main__":
    main()
