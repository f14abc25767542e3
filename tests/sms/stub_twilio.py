"""A local stand-in for Twilio's REST API: records what the client sent, answers like Twilio."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class StubTwilio:
    def __init__(self, *, status: int = 201) -> None:
        self.status = status
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                stub.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "form": {key: values[0] for key, values in form.items()},
                    }
                )
                if stub.status >= 400:
                    body = {"code": 20500, "message": "stub failure", "status": stub.status}
                else:
                    body = {
                        "sid": f"SM{len(stub.requests):032d}",
                        "status": "queued",
                        "to": form.get("To", [""])[0],
                        "body": form.get("Body", [""])[0],
                    }
                data = json.dumps(body).encode()
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
