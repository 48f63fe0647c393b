"""What the ERP's desks in scripts/chaos.py (the factory, the returns desk) share: a thread that
runs rounds against the host until stopped, counting what it got and keeping what should not
happen."""
import http.client
import sys
import threading
import time


class Desk:
    """Subclasses define round(); a round cut by a SIGKILL of the host is simply run again."""

    def __init__(self, host, name, pause_s):
        self.host, self.name, self.pause_s = host, name, pause_s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.stats = {}
        self.errors = []  # what should not happen
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + n

    def error(self, text):
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(text)
        print(f"{self.name}: {text}", file=sys.stderr, flush=True)

    def round(self):
        raise NotImplementedError

    def run(self):
        while not self.stop.is_set():
            try:
                self.round()
            except (OSError, http.client.HTTPException):
                self.count("down")  # killed, or killed while it answered: the next round asks again
                time.sleep(0.1)
                continue
            except Exception as e:  # a bug of this script: say so, and go on
                self.error(f"{type(e).__name__}: {e}")
                time.sleep(0.5)
            self.stop.wait(self.pause_s)
