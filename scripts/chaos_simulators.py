"""The outside systems of scripts/chaos.py as processes on loopback: the simulators of
scripts/simulators/ (payment gateway, carrier) and the SMTP listener."""
import http.client
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Simulator:
    """A simulator from scripts/simulators/ on a free port (it prints 'listening on HOST:PORT')."""

    def __init__(self, script, folder, extra=()):
        self.log = open(os.path.join(folder, os.path.basename(script) + ".log"), "w")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts/simulators", script), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.search(r":(\d+)\s*$", line)
        if not match:
            raise RuntimeError(f"{script} did not say its port: {line!r}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class SmtpSink:
    """scripts/simulators/smtp_sink.py on free ports (it prints 'smtp HOST:PORT http HOST:PORT')."""

    def __init__(self, folder):
        self.log = open(os.path.join(folder, "smtp_sink.log"), "w")
        self.process = subprocess.Popen(
            # Debian's interpreter: python3-aiosmtpd is installed for it (tests/support/SmtpSink.cpp).
            ["/usr/bin/python3", os.path.join(ROOT, "scripts/simulators/smtp_sink.py"), "--port", "0", "--http-port", "0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"smtp 127\.0\.0\.1:(\d+) http 127\.0\.0\.1:(\d+)", line)
        if not match:
            raise RuntimeError(f"smtp_sink.py did not say its ports: {line!r}")
        self.smtp_port, self.port = int(match.group(1)), int(match.group(2))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
