"""Tally instances for a chaos run: a private copy of the service jar, started, killed and restarted on fixed ports."""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

TOKEN = "tally-demo-token"
JAVA = None


def service_jar(repo):
    """The service's jar, never the Java client's `-client.jar` beside it."""
    jar = os.path.join(repo, "target", "tally-0.1.0-SNAPSHOT.jar")
    if not os.path.exists(jar):
        subprocess.run(["./mvnw", "-q", "-DskipTests", "package"], cwd=repo, check=True)
    return jar


def java21():
    """A java of release 21 or later (the jar's class files): JAVA_HOME's, else the newest under /usr/lib/jvm or
    SDKMAN's candidates (the places .ci/run looks)."""
    homes = [os.environ.get("JAVA_HOME", "")] + sorted(glob.glob("/usr/lib/jvm/*"), reverse=True) \
        + sorted(glob.glob(os.path.expanduser("~/.sdkman/candidates/java/*")), reverse=True)
    for home in homes:
        java = os.path.join(home, "bin", "java")
        if home and os.path.exists(java):
            out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
            major = re.search(r'version "(\d+)', out)
            if major and int(major.group(1)) >= 21:
                return java
    return "java"


class Instance:
    def __init__(self, name, jar, port, pg_port, workdir, settings):
        self.name = name
        self.jar = jar
        self.port = port
        self.pg_port = pg_port
        self.workdir = workdir
        self.settings = settings
        self.process = None
        self.starts = 0

    @property
    def base(self):
        return f"http://localhost:{self.port}"

    def start(self, timeout=120):
        global JAVA
        JAVA = JAVA or java21()
        self.starts += 1
        env = dict(os.environ, TALLY_DB_URL=f"r2dbc:postgresql://localhost:{self.pg_port}/tally",
                   TALLY_DB_USER="postgres", TALLY_DB_PASSWORD="postgres")
        log = open(os.path.join(self.workdir, f"{self.name}-{self.starts}.log"), "w")
        command = [JAVA, "-Xmx384m", "-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1", "-jar", self.jar,
                   "--spring.profiles.active=demo", f"--server.port={self.port}"]
        command += [f"--{key}={value}" for key, value in self.settings.items()]
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {log.name}")
            if self.ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready within {timeout}s; see {log.name}")

    def ready(self):
        try:
            with urllib.request.urlopen(self.base + "/actuator/health/readiness", timeout=2) as answer:
                return answer.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def kill9(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(45)
            except subprocess.TimeoutExpired:
                self.kill9()

    def get_json(self, path, timeout=10):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def delete(self, path, timeout=10):
        """DELETE; returns the status (202 cancelled, 409 already ended, 404 unknown)."""
        request = urllib.request.Request(self.base + path, method="DELETE",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def rss_kib(self):
        """VmRSS of the running process, from /proc, or None."""
        if not self.process or self.process.poll() is not None:
            return None
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None


class Cluster:
    """Two (or more) instances on one database, each running its own copy of the jar."""

    def __init__(self, repo, ports, pg_port, settings):
        self.workdir = tempfile.mkdtemp(prefix="tally-chaos-app-")
        jar = os.path.join(self.workdir, "tally.jar")
        shutil.copy(service_jar(repo), jar)
        self.instances = [Instance(f"tally{i + 1}", jar, port, pg_port, self.workdir, settings)
                          for i, port in enumerate(ports)]

    def start(self):
        # One at a time: both would run Flyway's migrations on the empty database at once.
        for instance in self.instances:
            instance.start()

    def stop(self):
        for instance in self.instances:
            instance.stop()

    def remove(self, keep_logs_in=None):
        self.stop()
        if keep_logs_in:
            for name in os.listdir(self.workdir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.workdir, name), keep_logs_in)
        shutil.rmtree(self.workdir, ignore_errors=True)
