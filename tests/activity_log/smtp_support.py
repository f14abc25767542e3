"""A minimal SMTP responder on a free loopback port, slow on purpose, for sender fault tests.

Enough of RFC 5321 for smtplib and Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT). Each message is acknowledged `delay` seconds after its final dot; every accepted
message and every connection is counted. One thread per connection, all bounded in time.
"""

from __future__ import annotations

import email
import os
import socket
import threading
import time
import uuid
from collections import Counter

from django.core.mail.backends import filebased


class SlowSMTPServer:
    def __init__(self, delay: float = 0.5, idle_timeout: float = 30.0):
        self.delay, self.idle_timeout = delay, idle_timeout
        self.messages: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(32)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> SlowSMTPServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def message_ids(self) -> Counter:
        """How many times each Message-ID arrived."""
        with self._lock:
            raw = list(self.messages)
        return Counter(email.message_from_bytes(data)["Message-ID"] for data in raw)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self.idle_timeout)
        reader = conn.makefile("rb")
        try:
            conn.sendall(b"220 slow.test ESMTP\r\n")
            while not self._stop.is_set():
                line = reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 slow.test\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    conn.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = []
                    while True:
                        chunk = reader.readline()
                        if not chunk or chunk == b".\r\n":
                            break
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    time.sleep(self.delay)
                    with self._lock:
                        self.messages.append(b"".join(data))
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")
        except OSError:
            return
        finally:
            reader.close()
            conn.close()


class SlowFileBackend(filebased.EmailBackend):
    """Django's file backend (one file per email), 0.05 s per message: senders overlap."""

    def send_messages(self, email_messages):
        time.sleep(0.05)
        return super().send_messages(email_messages)

    def _get_filename(self):
        # Django names the file by second and id(self), which two processes can share: then
        # both emails land in one file and the test would miss one.
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.log")
        return self._fname
