"""A stand-in for Twilio's REST API on 127.0.0.1: records what the twilio library sends and
answers as Twilio does, or with the error it is told to give next."""

import base64
import json
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeTwilio:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.failures: list[tuple[int, int | None]] = []
        self.media: dict[str, bytes] = {}  # path -> file, served to GET with the account's credentials
        self.media_requests: list[tuple[str, str, str]] = []  # (method, path, credentials)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b"").decode()
                fake.requests.append({"path": self.path, "form": form, "auth": auth})
                if fake.failures:
                    status, code = fake.failures.pop(0)
                    body = {"code": code, "message": "refused", "status": status}
                else:
                    status = 201
                    body = {
                        "sid": f"SM{uuid.uuid4().hex}",
                        "status": "queued",
                        "to": form.get("To"),
                        "body": form.get("Body"),
                    }
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                path = self.path.split("?")[0]
                fake.media_requests.append(("GET", path, self._credentials()))
                data = fake.media.get(path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def do_DELETE(self):
                path = self.path.split("?")[0].removesuffix(".json")
                fake.media_requests.append(("DELETE", path, self._credentials()))
                fake.media.pop(path, None)
                self.send_response(204)
                self.end_headers()

            def _credentials(self) -> str:
                header = self.headers.get("Authorization", "")
                return base64.b64decode(header.split(" ", 1)[1]).decode() if " " in header else ""

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
