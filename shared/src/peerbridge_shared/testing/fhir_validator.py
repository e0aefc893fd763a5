"""HL7's FHIR R4 validator engine for tests: one JVM process (deploy/local/fhir-validator.sh serve)
kept for the whole test session, one JSON resource per line in, one verdict per line out."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
SCRIPT = REPO_ROOT / "deploy" / "local" / "fhir-validator.sh"


@dataclass(frozen=True)
class Verdict:
    errors: int
    warnings: int
    issues: list[dict]

    @property
    def error_messages(self) -> list[str]:
        return [f"{i['location']}: {i['message']}" for i in self.issues if i["severity"] in {"error", "fatal"}]


class FhirValidator:
    def __init__(self, log: Path) -> None:
        self._log = log.open("a")
        self._process = subprocess.Popen(["bash", str(SCRIPT), "serve"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._log, text=True, encoding="utf-8")
        self._lock = threading.Lock()
        banner = self._process.stdout.readline()
        if not banner:
            raise RuntimeError(f"the FHIR validator did not start; see {log}")
        self.fhir_version = json.loads(banner)["fhirVersion"]

    def validate(self, resource: dict | str) -> Verdict:
        text = resource if isinstance(resource, str) else json.dumps(resource)
        with self._lock:
            self._process.stdin.write(text.replace("\n", " ") + "\n")
            self._process.stdin.flush()
            answer = json.loads(self._process.stdout.readline())
        return Verdict(answer["errors"], answer["warnings"], answer["issues"])

    def close(self) -> None:
        self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()


@pytest.fixture(scope="session")
def fhir_validator(tmp_path_factory: pytest.TempPathFactory):
    validator = FhirValidator(tmp_path_factory.mktemp("fhir-validator") / "validator.log")
    assert validator.fhir_version == "4.0.1"
    yield validator
    validator.close()


def assert_valid(validator: FhirValidator, resource: dict) -> Verdict:
    verdict = validator.validate(resource)
    assert verdict.errors == 0, "\n".join(verdict.error_messages)
    return verdict
