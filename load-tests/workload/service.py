"""The Tally a benchmark runs: a JDK 21+, the jar (built if missing), and the process on a free port."""

import glob
import os
import re
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

from .common import ROOT, log


class BenchError(Exception):
    pass


def java_major(home):
    """JAVA_VERSION's major number from a JDK's release file, as .ci/run reads it."""
    try:
        m = re.search(r'^JAVA_VERSION="(\d+)', (Path(home) / "release").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def find_jdk(minimum=21):
    """(java executable, major version): JAVA_HOME if it is >= minimum, else the newest of
    /usr/lib/jvm/* and ~/.sdkman/candidates/java/* (the default `java` may be older)."""
    java_home = os.environ.get("JAVA_HOME")
    homes = ([java_home] if java_home else []) + sorted(glob.glob("/usr/lib/jvm/*")) \
        + sorted(glob.glob(os.path.expanduser("~/.sdkman/candidates/java/*")))
    found = []
    for home in homes:
        v = java_major(home)
        java = Path(home) / "bin" / "java"
        if v and v >= minimum and os.access(java, os.X_OK):
            found.append((home == java_home, v, str(java)))
    if not found:
        raise BenchError(f"no JDK >= {minimum} found (JAVA_HOME, /usr/lib/jvm/*, ~/.sdkman): Tally needs one")
    _, v, java = max(found)
    return java, v


def find_jar(pattern):
    """The newest service jar matching pattern, relative to the current directory or else the repository
    root; the build's second jar, the Java client's (-client.jar), is not one."""
    for base in (Path.cwd(), ROOT):
        p = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        hits = [Path(h) for h in glob.glob(str(p))
                if Path(h).is_file() and not h.endswith(("-client.jar", ".original"))]
        if hits:
            return max(hits, key=lambda h: h.stat().st_mtime).resolve()
    return None


def ensure_jar(pattern):
    jar = find_jar(pattern)
    if jar is None:
        log(f"no jar matches {pattern}: building it (./mvnw -q -B package -DskipTests)")
        p = subprocess.run(["./mvnw", "-q", "-B", "package", "-DskipTests"], cwd=ROOT)
        if p.returncode != 0:
            raise BenchError(f"the build failed (exit {p.returncode})")
        jar = find_jar(pattern)
        if jar is None:
            raise BenchError(f"the build made no jar matching {pattern}")
    return jar


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TallyProcess:
    """Tally started from its jar with the demo profile, on a free port, logging to a file."""

    def __init__(self, java, jar, xmx, jvm_opts, server, db_name, log_path, app_args=()):
        self.java, self.jar, self.xmx, self.jvm_opts, self.log_path = java, jar, xmx, jvm_opts, Path(log_path)
        self.app_args = list(app_args)
        u = urllib.parse.urlsplit(server)
        self.env = dict(os.environ, TALLY_DB_URL=f"r2dbc:postgresql://{u.hostname or '127.0.0.1'}:{u.port or 5432}/{db_name}")
        if u.username:
            self.env["TALLY_DB_USER"] = urllib.parse.unquote(u.username)
        if u.password:
            self.env["TALLY_DB_PASSWORD"] = urllib.parse.unquote(u.password)
        self.proc = self.port = None

    def start(self, timeout=180):
        self.port = free_port()
        self.cmd = [self.java, f"-Xmx{self.xmx}", *self.jvm_opts.split(), "-jar", str(self.jar), "--spring.profiles.active=demo",
                    f"--server.port={self.port}", *self.app_args]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)  # Ctrl-C reaches us, not it
        deadline = time.monotonic() + timeout
        while b"Started TallyApplication" not in self.log_path.read_bytes():
            if self.proc.poll() is not None:
                raise BenchError(f"Tally exited {self.proc.returncode} before it started; its log "
                                 f"{self.log_path} ends:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"Tally did not log 'Started TallyApplication' within {timeout} s; "
                                 f"its log {self.log_path} ends:\n{self.log_tail()}")
            time.sleep(0.2)
        return f"http://127.0.0.1:{self.port}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        """SIGTERM, then SIGKILL after 30 s."""
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            log("Tally did not stop within 30 s of SIGTERM: killing it")
            self.proc.kill()
            self.proc.wait()
