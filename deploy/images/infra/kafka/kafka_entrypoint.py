"""server.properties from KAFKA_* variables as the official apache/kafka image reads them
(KAFKA_FOO_BAR -> foo.bar, __ -> _, ___ -> -), storage formatted once, then the broker."""

import os
import subprocess
import sys
from pathlib import Path

CLASSPATH = "/opt/kafka/libs/*"
PROPERTIES = Path("/tmp/server.properties")
SKIP = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS"}


def name_of(variable: str) -> str:
    return variable.removeprefix("KAFKA_").lower().replace("___", "-").replace("__", "\0").replace(
        "_", ".").replace("\0", "_")


def java(*args: str) -> list[str]:
    heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx768m").split()
    return ["java", *heap, "-cp", CLASSPATH, "-Dlog4j2.level=INFO", *args]


def main() -> None:
    settings = {name_of(k): v for k, v in sorted(os.environ.items()) if k.startswith("KAFKA_") and k not in SKIP}
    PROPERTIES.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    data = Path(settings.get("log.dirs", "/var/lib/kafka/data").split(",")[0])
    if not (data / "meta.properties").exists():
        cluster = os.environ.get("CLUSTER_ID", "5L6g3nShT-eMCtK--X86sw")
        subprocess.run(java("kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(PROPERTIES)),
                       check=True)
    sys.stdout.flush()
    os.execvp("java", java("kafka.Kafka", str(PROPERTIES)))


if __name__ == "__main__":
    main()
