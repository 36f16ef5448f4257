"""Real Elasticsearch 8 nodes from Maven Central: one node, or a cluster of several.

What runs: Elastic's own ``integ-test-zip`` distribution
(``org.elasticsearch.distribution.integ-test-zip:elasticsearch``, see
``elasticsearch/pom.xml``), i.e. the real server started by its real ``bin/elasticsearch``,
one JVM per node, on the system Java 17. That distribution is minimal: it lacks the
analysis-common and rest-root modules, so ``elasticsearch/HosoTestPlugin.java`` (compiled
here with javac) adds back the ``asciifolding`` token filter and ``GET /``. Nothing else from
analysis-common (language analyzers, ``icu_*``, ``edge_ngram``, ``synonym``, ...) exists in
these nodes.

Why not ``org.codelibs:elasticsearch-cluster-runner`` as DESIGN.md suggested: its newest
release on Maven Central is 7.10.2.0 (Elasticsearch 7.10.2, the last Apache-2.0 version), and
the ``elasticsearch`` 8.x Python client refuses servers that do not send the
``X-Elastic-Product`` header (added in 7.14). Separate JVMs per node also make "stop one node"
a plain process stop.

Security is off, HTTP and transport listen on 127.0.0.1 only, heap is -Xms512m -Xmx1g.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from ._base import (
    ManagedProcess,
    Service,
    ServiceStartError,
    ServiceUnavailable,
    ServiceUser,
    cache_dir,
    free_ports,
    install_lock,
    link_tree,
    make_workdir,
    remove_tree,
    require_executable,
    run_checked,
    service_user,
)

logger = logging.getLogger(__name__)

RESOURCES = Path(__file__).with_name("elasticsearch")
POM = RESOURCES / "pom.xml"
PLUGIN_SOURCE = RESOURCES / "HosoTestPlugin.java"
PLUGIN_NAME = "hoso-test"
PLUGIN_CLASS = "hoso.devservices.elasticsearch.HosoTestPlugin"
HEAP_OPTS = "-Xms512m -Xmx1g"
FAST_START_OPTS = "-XX:-AlwaysPreTouch -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
MIN_JAVA = 17
MAVEN_HINT = "install Maven (Debian: apt-get install maven)"
JAVA_HINT = (
    f"install a JDK {MIN_JAVA}+ (Debian: apt-get install openjdk-17-jdk-headless) "
    "or set HOSO_JAVA_HOME to one"
)


def es_version() -> str:
    """The Elasticsearch version pinned in ``elasticsearch/pom.xml`` (single source of truth)."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(POM).getroot().find("m:properties/m:elasticsearch.version", ns)
    if node is None or not node.text:
        raise RuntimeError(f"{POM} has no <elasticsearch.version> property")
    return node.text.strip()


def find_java_home() -> Path:
    """A JDK (javac is needed for the plugin) of version 17 or later."""
    for var in ("HOSO_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(var)
        if value and (Path(value) / "bin" / "javac").is_file():
            home = Path(value)
            break
    else:
        javac = shutil.which("javac")
        if not javac:
            raise ServiceUnavailable(f"no JDK found ('javac' not on PATH): {JAVA_HINT}")
        home = Path(javac).resolve().parent.parent
    out = subprocess.run(
        [str(home / "bin" / "java"), "-version"], capture_output=True, text=True, check=False
    ).stderr
    match = re.search(r'version "(\d+)', out)
    if not match or int(match.group(1)) < MIN_JAVA:
        raise ServiceUnavailable(
            f"Java {MIN_JAVA}+ is required, {home} reports {out.strip()!r}: {JAVA_HINT}"
        )
    return home


def _install_root() -> Path:
    return cache_dir() / "elasticsearch" / es_version()


def _plugin_fingerprint() -> str:
    return hashlib.sha256(PLUGIN_SOURCE.read_bytes()).hexdigest()


def ensure_installed() -> Path:
    """Fetch (Maven) and unpack the server, build the test plugin; return ES_HOME.

    Cached in ``~/.cache/hoso/elasticsearch/<version>/``; the plugin is rebuilt whenever
    its source changes.
    """
    java_home = find_java_home()
    version = es_version()
    root = _install_root()
    home = root / "home"
    marker = root / ".installed"
    wanted = f"{version} {_plugin_fingerprint()}"
    if (
        marker.is_file()
        and marker.read_text() == wanted
        and (home / "bin" / "elasticsearch").is_file()
    ):
        return home
    with install_lock("elasticsearch"):
        if marker.is_file() and marker.read_text() == wanted:
            return home
        began = time.monotonic()
        archive = _fetch_distribution(root, version)
        if not (home / "bin" / "elasticsearch").is_file():
            _unpack(archive, home)
        _build_plugin(home, java_home, version)
        marker.write_text(wanted)
        logger.info(
            "Elasticsearch %s installed in %s (%.0fs)", version, home, time.monotonic() - began
        )
    return home


def _fetch_distribution(root: Path, version: str) -> Path:
    lib = root / "lib"
    archive = lib / f"elasticsearch-{version}.zip"
    if archive.is_file():
        return archive
    mvn = require_executable("mvn", MAVEN_HINT)
    lib.mkdir(parents=True, exist_ok=True)
    logger.info("downloading Elasticsearch %s with Maven (about 110 MB)...", version)
    with tempfile.TemporaryDirectory(prefix="hoso-es-mvn-") as build:
        # Run from a scratch copy so Maven leaves nothing (target/) in the source tree.
        shutil.copy(POM, Path(build) / "pom.xml")
        try:
            run_checked(
                [
                    mvn,
                    "-B",
                    "-q",
                    "-f",
                    "pom.xml",
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={lib}",
                ],
                what="mvn dependency:copy-dependencies (Elasticsearch)",
                cwd=Path(build),
            )
        except ServiceStartError as exc:
            # Typically offline or no access to Maven Central: cannot be obtained here.
            raise ServiceUnavailable(f"could not download Elasticsearch {version}: {exc}") from exc
    if not archive.is_file():
        raise ServiceStartError(f"Maven finished but {archive} is missing")
    return archive


def _unpack(archive: Path, home: Path) -> None:
    """Unzip keeping exec bits; everything world-readable so a service account can use it."""
    staging = home.with_name(home.name + ".tmp")
    remove_tree(staging)
    with zipfile.ZipFile(archive) as zf:
        top = f"elasticsearch-{es_version()}/"
        for info in zf.infolist():
            if not info.filename.startswith(top) or info.filename == top:
                continue
            target = staging / info.filename[len(top) :]
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            mode = (info.external_attr >> 16) & 0o777
            target.chmod((mode | 0o444) if mode else 0o644)
    for dirpath, _dirs, _files in os.walk(staging):
        os.chmod(dirpath, 0o755)
    remove_tree(home)
    staging.rename(home)


def _build_plugin(home: Path, java_home: Path, version: str) -> None:
    """Compile HosoTestPlugin.java against the server jars into plugins/hoso-test."""
    plugin_dir = home / "plugins" / PLUGIN_NAME
    remove_tree(plugin_dir)
    with tempfile.TemporaryDirectory(prefix="hoso-es-plugin-") as build:
        classes = Path(build) / "classes"
        run_checked(
            [
                str(java_home / "bin" / "javac"),
                "--release",
                str(MIN_JAVA),
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-cp",
                str(home / "lib" / "*"),
                "-d",
                str(classes),
                str(PLUGIN_SOURCE),
            ],
            what="javac HosoTestPlugin.java",
        )
        plugin_dir.mkdir(parents=True)
        with zipfile.ZipFile(plugin_dir / f"{PLUGIN_NAME}.jar", "w", zipfile.ZIP_DEFLATED) as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            for path in sorted(classes.rglob("*.class")):
                jar.write(path, path.relative_to(classes).as_posix())
    (plugin_dir / "plugin-descriptor.properties").write_text(
        "\n".join(
            [
                "description=Test-only: asciifolding filter and GET / for the hoso test harness",
                f"version={version}",
                f"name={PLUGIN_NAME}",
                f"classname={PLUGIN_CLASS}",
                f"java.version={MIN_JAVA}",
                f"elasticsearch.version={version}",
                "extended.plugins=",
                "has.native.controller=false",
                "",
            ]
        )
    )
    for path in [plugin_dir, *plugin_dir.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@dataclass
class _Node:
    """One Elasticsearch node: its own JVM, ports and directory."""

    name: str
    http_port: int
    transport_port: int
    directory: Path
    process: ManagedProcess | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running


class ElasticsearchCluster(Service):
    """``nodes`` Elasticsearch nodes forming one cluster on 127.0.0.1.

    A test can :meth:`stop_node` one node while the others keep serving, and bring it
    back with :meth:`start_node` (same ports and data). Every node is master-eligible, so
    with three nodes the cluster survives losing any one of them.
    """

    def __init__(self, nodes: int = 3, start_timeout: float = 180.0) -> None:
        if nodes < 1:
            raise ValueError("nodes must be at least 1")
        self.node_count = nodes
        self.start_timeout = start_timeout
        self.cluster_name = f"hoso-test-{secrets.token_hex(4)}"
        self.workdir: Path | None = None
        self.startup_seconds: float | None = None
        self._nodes: list[_Node] = []
        self._home: Path | None = None
        self._java_home: Path | None = None
        self._run_as: ServiceUser | None = None

    ensure_installed = staticmethod(ensure_installed)

    @property
    def version(self) -> str:
        return es_version()

    @property
    def node_urls(self) -> list[str]:
        """HTTP URL of every node, stopped or not, in node order."""
        return [node.url for node in self._nodes]

    @property
    def live_urls(self) -> list[str]:
        return [node.url for node in self._nodes if node.running]

    @property
    def url(self) -> str:
        """URL of the first running node."""
        live = self.live_urls
        if not live:
            raise RuntimeError("no Elasticsearch node is running")
        return live[0]

    def env(self) -> dict[str, str]:
        """The variable the application reads to find Elasticsearch."""
        return {"ELASTICSEARCH_URL": self.url}

    def start(self) -> Self:
        self._home = ensure_installed()
        self._java_home = find_java_home()
        self._run_as = service_user()
        self.workdir = make_workdir("elasticsearch", self._run_as)
        began = time.monotonic()
        # A hard-linked copy: a service account cannot read root's ~/.cache (mode 700).
        link_tree(self._home, self.workdir / "home")
        ports = free_ports(2 * self.node_count)
        self._nodes = [
            _Node(f"node-{i + 1}", ports[2 * i], ports[2 * i + 1], self.workdir / f"node-{i + 1}")
            for i in range(self.node_count)
        ]
        for node in self._nodes:
            self._prepare_node(node)
        for node in self._nodes:
            self._launch(node)
        self._wait_for_cluster(self.node_count)
        self.startup_seconds = time.monotonic() - began
        logger.info(
            "Elasticsearch %s: %d node(s) ready in %.1fs at %s",
            self.version,
            self.node_count,
            self.startup_seconds,
            ", ".join(self.node_urls),
        )
        return self

    def stop(self) -> None:
        for node in self._nodes:
            if node.process is not None:
                node.process.stop()
                node.process = None
        remove_tree(self.workdir)
        self.workdir = None

    def stop_node(self, index: int) -> None:
        """Stop node ``index`` (0-based) the way an operator would (SIGTERM, then wait)."""
        node = self._nodes[index]
        if node.process is not None:
            logger.info("stopping Elasticsearch %s", node.name)
            node.process.stop()
            node.process = None

    def start_node(self, index: int) -> None:
        """Start a stopped node again (same ports and data) and wait until it has joined."""
        node = self._nodes[index]
        if node.running:
            return
        self._launch(node)
        self._wait_for_cluster(sum(1 for n in self._nodes if n.running))

    def start_all(self) -> None:
        """Start every stopped node again and wait until all of them are in the cluster."""
        stopped = [node for node in self._nodes if not node.running]
        for node in stopped:
            self._launch(node)
        if stopped:
            self._wait_for_cluster(self.node_count)

    def node_log(self, index: int) -> Path:
        return self._nodes[index].directory / "console.log"

    # -- internals -------------------------------------------------------------------

    def _settings(self, node: _Node) -> dict[str, object]:
        settings: dict[str, object] = {
            "cluster.name": self.cluster_name,
            "node.name": node.name,
            "path.data": str(node.directory / "data"),
            "path.logs": str(node.directory / "logs"),
            "network.host": "127.0.0.1",
            "http.port": node.http_port,
            "transport.port": node.transport_port,
            "xpack.security.enabled": False,
            # Tests delete indices by pattern; CI disks are often fuller than 85 %.
            "action.destructive_requires_name": False,
            "cluster.routing.allocation.disk.threshold_enabled": False,
        }
        if self.node_count == 1:
            settings["discovery.type"] = "single-node"
        else:
            settings["discovery.seed_hosts"] = [
                f"127.0.0.1:{n.transport_port}" for n in self._nodes
            ]
            settings["cluster.initial_master_nodes"] = [n.name for n in self._nodes]
        return settings

    def _prepare_node(self, node: _Node) -> None:
        assert self._home is not None
        config = node.directory / "config"
        shutil.copytree(self._home / "config", config)
        for sub in ("data", "logs", "tmp"):
            (node.directory / sub).mkdir()
        # JSON is valid YAML, and the safest way to write lists and strings.
        (config / "elasticsearch.yml").write_text(json.dumps(self._settings(node), indent=2) + "\n")
        if self._run_as:
            self._run_as.chown_tree(node.directory)

    def _launch(self, node: _Node) -> None:
        assert self.workdir is not None and self._java_home is not None
        tmp = node.directory / "tmp"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(node.directory),
            "LANG": "C.UTF-8",
            "ES_JAVA_HOME": str(self._java_home),
            "ES_PATH_CONF": str(node.directory / "config"),
            "ES_TMPDIR": str(tmp),
            # Start fast on a shared 2-core box: no touching the whole heap up front, and
            # C1 only (about 40 % quicker to start; peak speed does not matter in tests).
            # Benchmarks want the full JIT and a bigger heap: HOSO_ES_JAVA_OPTS replaces both.
            "ES_JAVA_OPTS": os.environ.get("HOSO_ES_JAVA_OPTS") or f"{HEAP_OPTS} {FAST_START_OPTS}",
            "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={tmp} -XX:-UsePerfData",
        }
        node.process = ManagedProcess(
            f"elasticsearch {node.name}",
            [str(self.workdir / "home" / "bin" / "elasticsearch")],
            log_path=node.directory / "console.log",
            cwd=node.directory,
            env=env,
            user=self._run_as,
            stop_timeout=60.0,
        )
        node.process.start()

    def _wait_for_cluster(self, expected_nodes: int) -> None:
        """Wait until every running node answers and the cluster has ``expected_nodes``.

        Yellow is enough: an index a test created with more replicas than nodes must not
        make a restart hang.
        """
        query = f"wait_for_nodes={expected_nodes}&wait_for_status=yellow&timeout=2s"
        deadline = time.monotonic() + self.start_timeout
        for node in self._nodes:
            if not node.running:
                continue
            assert node.process is not None
            remaining = max(1.0, deadline - time.monotonic())
            node.process.wait_ready(
                functools.partial(_health_ok, node.url, query),
                remaining,
                f"part of a {expected_nodes}-node cluster",
            )


class ElasticsearchServer(ElasticsearchCluster):
    """A single Elasticsearch node (``discovery.type: single-node``)."""

    def __init__(self, start_timeout: float = 120.0) -> None:
        super().__init__(nodes=1, start_timeout=start_timeout)


def _health_ok(url: str, query: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health?{query}", timeout=10) as response:
            body = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return not body.get("timed_out", True)
