#!/usr/bin/python3
"""An SMTP listener for tests and demos: accepts mail on loopback and records what it received.

It plays the mail server for orderhost's notification plugin, so a test can prove what the
outside world saw (exactly one confirmation, to whom, in which language). The SMTP side is
Debian's python3-aiosmtpd (scripts/install-deps.sh); the rest is the Python 3 standard
library. The shebang names Debian's interpreter because aiosmtpd is installed for it.

  SMTP on 127.0.0.1:--port              EHLO, MAIL, RCPT, DATA; with --auth USER:PASSWORD also AUTH
                                        PLAIN/LOGIN, required before MAIL (535 for a wrong password).
                                        Without --tls-cert no STARTTLS: a client asking for it is
                                        refused and goes on in plain text. With --tls-cert CERT
                                        --tls-key KEY (PEM) STARTTLS is offered, and AUTH is then
                                        only accepted over TLS
  GET    /messages                      {"messages": [...], "refused": N} every accepted message,
                                        decoded: mail_from, rcpt_tos, subject, message_id,
                                        content_language, headers, body, received_at_ms, tls
                                        (true when it came over STARTTLS), auth_mechanism
                                        ("PLAIN", "LOGIN" or null)
  DELETE /messages                      forgets them
  POST   /admin/faults                  {"refuse_count": N, "refuse_code": 451}: the next N
                                        messages are refused at the end of DATA (4xx: the client
                                        should try again later; 5xx: permanently)

With --maildir DIR every accepted message is also written to a Maildir folder (one file per
message) for people and tools to read. Prints "smtp_sink smtp 127.0.0.1:PORT http
127.0.0.1:PORT" on stdout when ready (--port 0 / --http-port 0 pick free ports).
"""
import argparse
import asyncio
import email
import email.policy
import json
import mailbox
import os
import socket
import ssl
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    """What the sink received, shared by the SMTP loop and the HTTP threads."""

    def __init__(self, maildir):
        self.lock = threading.Lock()
        self.messages = []
        self.refused = 0
        self.refuse_count = 0
        self.refuse_code = 451
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        if self.maildir is not None:
            # Maildir(create=True) creates cur/new/tmp only when the folder itself is missing: an
            # empty folder made beforehand (mkdir -p var/mail) failed every message with SMTP 500.
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    def take_fault(self):
        with self.lock:
            if self.refuse_count <= 0:
                return None
            self.refuse_count -= 1
            self.refused += 1
            return self.refuse_code

    def add(self, envelope, tls, auth_mechanism):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain",))
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": str(parsed.get("subject", "")),
            "message_id": str(parsed.get("message-id", "")),
            "content_language": str(parsed.get("content-language", "")),
            "headers": {name: str(value) for name, value in parsed.items()},
            "body": part.get_content() if part is not None else "",
            "received_at_ms": int(time.time() * 1000),
            "tls": tls,
            "auth_mechanism": auth_mechanism,
        }
        with self.lock:
            entry["seq"] = len(self.messages) + 1
            self.messages.append(entry)
            if self.maildir is not None:
                self.maildir.add(envelope.original_content)


class SinkHandler:
    """aiosmtpd handler: refuses injected faults, records everything else."""

    def __init__(self, recorder):
        self.recorder = recorder

    async def handle_DATA(self, server, session, envelope):
        code = self.recorder.take_fault()
        if code is not None:
            kind = "4.3.0 try again later" if code < 500 else "5.3.0 rejected"
            return f"{code} {kind} (smtp_sink fault injection)"
        self.recorder.add(envelope, session.ssl is not None,
                          session.auth_data if isinstance(session.auth_data, str) else None)
        return "250 2.0.0 OK: recorded"


def authenticator_for(credentials):
    """AUTH PLAIN/LOGIN accepting exactly USER:PASSWORD (None: no AUTH offered)."""
    if not credentials:
        return None
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, auth_data=mechanism if ok else None)

    return authenticate


def http_handler(recorder):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path != "/messages":
                return self.reply(404, {"error": {"code": "not_found", "message": self.path}})
            with recorder.lock:
                self.reply(200, {"messages": list(recorder.messages), "refused": recorder.refused})

        def do_DELETE(self):
            if self.path != "/messages":
                return self.reply(404, {"error": {"code": "not_found", "message": self.path}})
            with recorder.lock:
                recorder.messages.clear()
            self.reply(200, {"messages": []})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                faults = json.loads(self.rfile.read(length) or b"{}")
                count = int(faults.get("refuse_count", 0))
                code = int(faults.get("refuse_code", 451))
            except (ValueError, TypeError, AttributeError):
                return self.reply(400, {"error": {"code": "bad_request", "message": "expected {refuse_count, refuse_code}"}})
            if self.path != "/admin/faults" or count < 0 or not 400 <= code <= 599:
                return self.reply(400, {"error": {"code": "bad_request", "message": "refuse_code must be 4xx or 5xx"}})
            with recorder.lock:
                recorder.refuse_count, recorder.refuse_code = count, code
            self.reply(200, {"refuse_count": count, "refuse_code": code})

        def log_message(self, fmt, *args):
            sys.stderr.write("smtp_sink http: " + (fmt % args) + "\n")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=2525, help="SMTP port (0: a free one)")
    parser.add_argument("--http-port", type=int, default=9102, help="HTTP port of /messages (0: a free one)")
    parser.add_argument("--maildir", help="also store every message in this Maildir folder")
    parser.add_argument("--auth", help="USER:PASSWORD: offer AUTH PLAIN/LOGIN and require it before MAIL")
    parser.add_argument("--tls-cert", help="PEM certificate: offer STARTTLS (with --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = parser.parse_args()

    recorder = Recorder(args.maildir)
    web = ThreadingHTTPServer(("127.0.0.1", args.http_port), http_handler(recorder))
    threading.Thread(target=web.serve_forever, daemon=True).start()

    # Our own socket (not aiosmtpd's Controller, whose readiness probe needs a known port), so
    # --port 0 works and the chosen port is known before anyone connects.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    loop = asyncio.new_event_loop()
    handler = SinkHandler(recorder)
    authenticator = authenticator_for(args.auth)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    def session():
        # Without TLS, plain-text AUTH is allowed: a loopback test server. With TLS, AUTH needs it.
        return SMTP(handler, hostname="smtp-sink.localhost", loop=loop, authenticator=authenticator,
                    auth_required=authenticator is not None, auth_require_tls=tls is not None, tls_context=tls)

    server = loop.run_until_complete(loop.create_server(session, sock=listener))
    print(f"smtp_sink smtp 127.0.0.1:{listener.getsockname()[1]} http 127.0.0.1:{web.server_address[1]}", flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        web.shutdown()


if __name__ == "__main__":
    main()
