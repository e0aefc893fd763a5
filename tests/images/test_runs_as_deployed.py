"""Every container of the platform runs as its manifest says: user 10001, a root filesystem it
cannot write, no capabilities, no privilege escalation, and writable only where a volume is."""

from __future__ import annotations

import json

from peerbridge_deploy.containers import pod_of, workloads

from .platform import REGISTRY, podman

INSPECT = """
import json, os, pathlib
PATHS = ("/", "/app", "/opt/venv", "/tmp", "/var/lib/peerbridge/data")
status = dict(line.split(":\\t", 1) for line in pathlib.Path("/proc/self/status").read_text().splitlines()
              if ":\\t" in line)
def writable(path):
    probe = pathlib.Path(path) / ".peerbridge-write-probe"
    try:
        probe.write_text("x")
        probe.unlink()
        return True
    except OSError:
        return False
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "cap_eff": status["CapEff"].strip(),
                  "no_new_privs": status["NoNewPrivs"].strip(),
                  "writable": {p: writable(p) for p in PATHS}}))
"""


def test_every_container_runs_with_its_manifests_security_settings(platform):
    manifests = workloads()
    for name in REGISTRY.processes:
        args = platform.specs[name].args
        container = args[args.index("--name") + 1]
        seen = podman("exec", container, "python", "-c", INSPECT, timeout=60)
        assert seen.returncode == 0, (name, seen.stderr)
        facts = json.loads(seen.stdout)
        pod = pod_of(manifests[name])
        mounts = {mount["mountPath"] for mount in pod["containers"][0]["volumeMounts"]}
        assert (facts["uid"], facts["gid"]) == (10001, 10001), name
        assert facts["cap_eff"] == "0000000000000000", name
        assert facts["no_new_privs"] == "1", name
        assert facts["writable"]["/"] is False and facts["writable"]["/app"] is False, name
        assert facts["writable"]["/opt/venv"] is False, name
        assert facts["writable"]["/tmp"] is True, name
        assert facts["writable"]["/var/lib/peerbridge/data"] == ("/var/lib/peerbridge/data" in mounts), name
