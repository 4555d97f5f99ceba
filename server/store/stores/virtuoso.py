"""A private Virtuoso Open Source instance (Debian package ``virtuoso-opensource``) in its own folder.

Its own ``virtuoso.ini`` binds SQL and HTTP to free ports on 127.0.0.1, raises ``ResultSetMaxRows``
(Virtuoso otherwise cuts every result at 10,000 rows without saying so) and sets a random ``dba``
password. Publishing writes through the digest-authenticated endpoints ``/sparql-auth`` (SPARQL
UPDATE) and ``/sparql-graph-crud-auth`` (Graph Store HTTP Protocol) as a user that has the
``SPARQL_UPDATE`` role; the anonymous ``/sparql`` endpoint the app reads from stays read-only.
"""
from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from .base import StoreServer, StoreServerError, free_port

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
INSTALL = "DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource"

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
MaxQueryMem = 1G

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/vsp
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
; must stay above IKPE_SPARQL_MAX_ROWS + 1, or cut results cannot be detected
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = {max_seconds}
"""


def virtuoso_binary() -> str:
    found = shutil.which(VIRTUOSO)
    if not found or not shutil.which(ISQL):
        raise StoreServerError(f"Virtuoso is not installed: `{INSTALL}` (the Makefile's system-deps target does it).")
    return found


class VirtuosoServer(StoreServer):
    name = "virtuoso"
    user = "ikpe_publisher"

    def __init__(self, folder: Path, max_rows: int = 1_000_000, max_seconds: int = 60):
        super().__init__(folder)
        self.binary = virtuoso_binary()
        self.sql_port, self.http_port = free_port(), free_port()
        self.max_rows, self.max_seconds = max_rows, max_seconds
        self.dba_password = secrets.token_hex(12)
        self.password = secrets.token_hex(12)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/sparql"

    def prepare(self) -> None:
        (self.folder / "vsp").mkdir(exist_ok=True)
        (self.folder / "virtuoso.ini").write_text(INI.format(
            dir=self.folder, sql_port=self.sql_port, http_port=self.http_port, max_rows=self.max_rows,
            max_seconds=self.max_seconds), encoding="utf-8")

    def command(self) -> list[str]:
        return [self.binary, "+configfile", str(self.folder / "virtuoso.ini"), "+foreground"]

    def isql(self, statements: str, password: str) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", password, "VERBOSE=OFF", "BANNER=OFF",
                               "PROMPT=OFF", "ERRORS=STDOUT"], input=statements, capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise StoreServerError(f"isql failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def after_start(self) -> None:
        # A publisher user with SPARQL UPDATE rights and write access to all graphs; a private dba password.
        self.isql(f"""
DB.DBA.USER_CREATE('{self.user}', '{self.password}');
GRANT SPARQL_UPDATE TO "{self.user}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{self.user}', 3);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);
DB.DBA.USER_PASSWORD_SET('dba', '{self.dba_password}');
checkpoint;
""", "dba")

    def settings(self) -> dict:
        return {"store": "remote", "remote_query_url": self.query_url,
                "remote_update_url": self.base_url + "/sparql-auth",
                "remote_graph_store_url": self.base_url + "/sparql-graph-crud-auth",
                "remote_user": self.user, "remote_password": self.password, "remote_auth": "digest",
                # Virtuoso 7.2 answers date ranges wrongly while another graph holds the same dates
                # (docs/versions.md): no history beside the release, no previous release kept
                "remote_history": False, "remote_keep_releases": 0}

    def version(self) -> str:
        done = subprocess.run([self.binary, "-?"], capture_output=True, text=True)
        for line in (done.stdout + done.stderr).splitlines():
            if "Version" in line:
                return line.strip()
        return "virtuoso"
