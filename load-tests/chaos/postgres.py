"""A private PostgreSQL for one chaos run: its own data directory, port and socket, never the shared server."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile



def newest_bin():
    """PG_BIN, else the newest of Debian's /usr/lib/postgresql/<version>/bin that has initdb."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    return os.environ.get("PG_BIN") or (os.path.dirname(found[-1]) if found else "/usr/lib/postgresql/15/bin")


BIN = newest_bin()


class PrivatePostgres:
    """initdb into a temporary directory owned by an unprivileged account (PostgreSQL refuses root)."""

    def __init__(self, port, owner="postgres"):
        self.port = port
        self.owner = owner
        self.root = tempfile.mkdtemp(prefix="tally-chaos-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "postgres.log")
        if os.geteuid() == 0:  # otherwise the server runs as the current user, who owns the directory already
            account = pwd.getpwnam(owner)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        os.chmod(self.root, 0o755)

    def _as_owner(self, *args, check=True):
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.owner, "--"] + command
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self):
        self._as_owner(os.path.join(BIN, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                       "--no-sync", "-E", "UTF8")
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = 'localhost'\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\nmax_connections = 60\n")

    def start(self):
        self._as_owner(os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        return self._as_owner(os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        self.stop(mode)
        self.start()

    def sql(self, statement, database="tally"):
        """Runs one statement through psql over TCP; returns rows as lists of strings."""
        out = subprocess.run([os.path.join(BIN, "psql"), "-h", "localhost", "-p", str(self.port), "-U", "postgres",
                              "-d", database, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", statement],
                             check=True, capture_output=True, text=True, timeout=60)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def create_database(self, name):
        self.sql(f"CREATE DATABASE {name}", database="postgres")

    def remove(self):
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
