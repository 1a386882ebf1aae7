"""Apache Jena's command-line tools from Debian's ``libapache-jena-java``, the tests' independent peer.

    python scripts/jena.py riot --validate FILE
    python scripts/jena.py riot --syntax=JSONLD10 --count FILE.jsonld
    python scripts/jena.py shacl validate --shapes SHAPES.ttl --data DATA.nt
    python scripts/jena.py CLASS ARGS...          (any other Jena command class, e.g. arq.sparql)

Debian's package ships the jars only (``/usr/share/java/jena-*.jar``), no ``riot``/``shacl``
launcher, so this runs their command classes with ``java``. ``scripts/test.sh`` installs the
package (as root, with apt-get); :func:`missing` says why it cannot run here. Two fixes the Debian
jars need, made once into a cache folder: their class path pulls two SLF4J bindings (only
``slf4j-simple`` is used), and jena-core lacks the xerces message resources that its XSD datatype
checks load at run time (copied out of jena-core into a small jar).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

JARS = Path("/usr/share/java")
COMMANDS = {"riot": "riotcmd.riot", "shacl": "shacl.shacl"}
# the Debian jars Jena's commands need besides its own (libapache-jena-java's dependencies)
DEPENDENCIES = ("commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3 dexx.collection "
                "gson guava httpclient httpcore httpclient-cache jackson-core jackson-databind jackson-annotations "
                "jsonld-java jakarta.json-api protobuf slf4j-api slf4j-simple thrift titanium-json-ld").split()
INSTALL = "apt-get install -y libapache-jena-java default-jre-headless (scripts/test.sh does it as root)"


def missing() -> str | None:
    """Why Jena cannot run here (``None`` when it can)."""
    if not (JARS / "jena-core.jar").is_file():
        return f"{JARS / 'jena-core.jar'} not found: {INSTALL}"
    if shutil.which("java") is None:
        return f"java not found: {INSTALL}"
    return None


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qgraph-jena"


def _resources_jar() -> Path:
    """jena-core's xerces message resources under the package name xerces looks them up by."""
    jar = _cache() / "jena-xerces-resources.jar"
    if not jar.is_file():
        jar.parent.mkdir(parents=True, exist_ok=True)
        prefix = "org/apache/jena/ext/xerces/impl/"
        tmp = jar.with_name(f".{jar.name}.{os.getpid()}.tmp")
        with zipfile.ZipFile(JARS / "jena-core.jar") as src, zipfile.ZipFile(tmp, "w") as out:
            for name in src.namelist():
                if name.startswith(prefix) and name.endswith(".properties"):
                    out.writestr("xerces/impl/" + name[len(prefix):], src.read(name))
        os.replace(tmp, jar)
    return jar


def classpath() -> str:
    own = sorted(str(p) for p in JARS.glob("jena-*.jar") if not any(c.isdigit() for c in p.stem.split("-")[-1][:1]))
    deps = [str(JARS / f"{name}.jar") for name in DEPENDENCIES if (JARS / f"{name}.jar").is_file()]
    return os.pathsep.join(own + deps + [str(_resources_jar())])


def command(args: list[str]) -> list[str]:
    """The ``java`` command line for ``args`` (``riot …``, ``shacl …`` or ``CLASS …``)."""
    if args and args[0] in COMMANDS:
        args = [COMMANDS[args[0]], *args[1:]]
    return ["java", "-cp", classpath(), *args]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a Jena command; output captured as text."""
    return subprocess.run(command(list(args)), capture_output=True, text=True, **kwargs)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    why = missing()
    if why:
        print(f"jena.py: {why}", file=sys.stderr)
        return 2
    os.execvp("java", command(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
