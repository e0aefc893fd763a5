"""The HL7v2 ADT listener as its own process, fed over TCP by a real MLLP client with messages
shaped like hospital feeds (Z-segments, repetitions, escape sequences)."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import hl7
import pytest
from fastapi.testclient import TestClient
from hl7.mllp import open_hl7_connection

from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.testing.processes import running
from peerbridge_shared.testing.servers import free_port

from .conftest import Api

ORGANIZATION = f"org-mllp-{uuid.uuid4().hex[:8]}"
FACILITY = "GENHOSP"


@pytest.fixture(scope="module")
def listener(scheduling_url, tmp_path_factory):
    port = free_port()
    env = {"SCHEDULING_DATABASE_URL": scheduling_url, "SCHEDULING_MLLP_HOST": "127.0.0.1",
           "SCHEDULING_MLLP_PORT": str(port), "SCHEDULING_MLLP_TIMEZONE": "America/New_York",
           "SCHEDULING_MLLP_FACILITIES": json.dumps({FACILITY: ORGANIZATION})}
    log = tmp_path_factory.mktemp("mllp") / "listener.log"
    with running([sys.executable, "-m", "peerbridge_scheduling.hospital.mllp"], log=log, env=env,
                 ready=lambda text: "ADT listener ready" in text):
        yield port


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield Api(client, Identity(ORGANIZATION, "admin-1", frozenset({Role.PROGRAM_ADMIN})))


def adt(event: str, control: str, pid3: str, visit: str, *, patient_class="I", service="PSY", admit="202602202215",
        discharge="", disposition="", facility=FACILITY, extra: tuple[str, ...] = ()) -> str:
    structure = {"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01", "A03": "ADT_A03", "A11": "ADT_A09",
                 "A13": "ADT_A01"}.get(event, "ADT_A01")
    segments = [
        f"MSH|^~\\&|EPIC|{facility}|PEERBRIDGE|PEERBRIDGE|20260220221600||ADT^{event}^{structure}|{control}|P|2.5.1",
        f"EVN|{event}|20260220221600",
        f"PID|1||{pid3}||O\\T\\Brien^Siobh\\E\\an^M||19880714|F|||12 Elm St^Apt 4~PO Box 9^^Durham^NC^27701",
        pv1({1: "1", 2: patient_class, 3: "PSY4W^412^B^GENHOSP", 7: "1234^Lee^Ann", 10: service, 19: visit,
             36: disposition, 44: admit, 45: discharge}),
        "ZPV|1|Involuntary hold\\X0D\\reviewed|Y",
        *extra,
    ]
    return "\r".join(segments)


def pv1(fields: dict[int, str]) -> str:
    return "PV1|" + "|".join(fields.get(n, "") for n in range(1, 46))


def send(port: int, *messages: str) -> list[hl7.Message]:
    async def exchange() -> list[hl7.Message]:
        reader, writer = await open_hl7_connection("127.0.0.1", port, encoding="utf-8")
        answers = []
        for message in messages:
            writer.writemessage(hl7.parse(message))
            await writer.drain()
            answers.append(await asyncio.wait_for(reader.readmessage(), 30))
        writer.close()
        return answers
    return asyncio.run(exchange())


def msa(answer: hl7.Message) -> tuple[str, str, str]:
    return str(answer.segment("MSA")(1)), str(answer.segment("MSA")(2)), answer.unescape(str(answer.segment("MSA")(3)))


def test_admit_update_discharge_publish_the_fhir_ingests_events_once(listener, world, api, published):
    alice = world.participant()
    pid3 = f"MRN{uuid.uuid4().hex[:6]}^^^GENHOSP^MR~{alice['member_id']}^^^AETNA^MB~{alice['id']}^^^PEERBRIDGE^PI"
    visit = f"V{uuid.uuid4().hex[:8]}"
    control = uuid.uuid4().hex[:10]
    answers = send(listener,
                   adt("A01", f"{control}-1", pid3, visit),
                   adt("A01", f"{control}-1", pid3, visit),  # the engine re-sends: deduplicated
                   adt("A08", f"{control}-2", pid3, visit),  # an update: nothing new to publish
                   adt("A03", f"{control}-3", pid3, visit, discharge="202603011100", disposition="01"))
    codes = [msa(a) for a in answers]
    assert [c[0] for c in codes] == ["AA"] * 4, codes
    assert [c[1] for c in codes] == [f"{control}-1", f"{control}-1", f"{control}-2", f"{control}-3"]
    assert "already accepted" in codes[1][2]
    assert str(answers[0].segment("MSH")(9)) == "ACK^A01^ACK" and str(answers[0].segment("MSH")(5)) == "EPIC"

    events = [e for e in published(ORGANIZATION) if e.subject == alice["id"]]
    kinds = [e.type.rsplit(".", 2)[-2] + "." + e.type.rsplit(".", 1)[-1] for e in events]
    assert kinds[-3:] == ["admitted.v1", "discharged.v1", "due.v1"], kinds
    admitted, discharged = events[-3].data, events[-2].data
    assert admitted.encounter_id == visit and admitted.psychiatric and admitted.encounter_class == "IMP"
    assert admitted.admitted_at.isoformat() == "2026-02-21T03:15:00+00:00", "EST without an offset"
    assert discharged.disposition == "home"
    text = json.dumps([e.data.model_dump(mode="json") for e in events])
    assert "Brien" not in text and alice["member_id"] not in text, "no PHI leaves scheduling"


def test_unknown_patients_facilities_and_messages_are_refused_with_the_reason(listener, world, api):
    alice = world.participant()
    known = f"{alice['id']}^^^PEERBRIDGE^PI"
    control = uuid.uuid4().hex[:10]
    answers = send(listener,
                   adt("A01", f"{control}-1", "MRN404^^^GENHOSP^MR~XX999^^^AETNA^MB", "V-unknown"),
                   adt("A01", f"{control}-2", known, "V-x", facility="OTHERHOSP"),
                   adt("A01", f"{control}-3", known, "V-y", patient_class="O"),
                   adt("A01", f"{control}-4", known, "V-z", admit="20260230"),
                   adt("A01", f"{control}-5", known, ""),
                   "MSH|^~\\&|EPIC|GENHOSP|PEERBRIDGE|PEERBRIDGE|20260220||ORU^R01^ORU_R01|"
                   f"{control}-6|P|2.5.1\rPID|1||{known}")
    codes = [msa(a) for a in answers]
    assert [c[0] for c in codes] == ["AE", "AR", "AE", "AE", "AE", "AR"], codes
    assert "no single participant" in codes[0][2]
    assert "OTHERHOSP" in codes[1][2]
    errors = [str(a.segment("ERR")(2)) if a.segments("ERR") else "" for a in answers]
    assert errors[:5] == ["PID^1^3", "MSH^1^4", "PV1^1^2", "PV1^1^44", "PV1^1^19"], errors


def test_a_cancel_after_an_admit_forgets_it_and_a_cancelled_discharge_reopens_and_both_are_published(
        listener, world, api, published):
    alice = world.participant()
    pid3 = f"{alice['id']}^^^PEERBRIDGE^PI"
    visit, control = f"V{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:10]
    answers = send(listener,
                   adt("A04", f"{control}-1", pid3, visit, patient_class="E", service="MED"),
                   adt("A11", f"{control}-2", pid3, visit, patient_class="E"),
                   adt("A11", f"{control}-3", pid3, visit, patient_class="E"),
                   adt("A01", f"{control}-4", pid3, visit + "b"),
                   adt("A03", f"{control}-5", pid3, visit + "b", discharge="202602250900", disposition="07"),
                   adt("A11", f"{control}-6", pid3, visit + "b"),
                   adt("A13", f"{control}-7", pid3, visit + "b"),
                   adt("A03", f"{control}-8", pid3, visit + "b", discharge="202602260900", disposition="01"))
    codes = [msa(a) for a in answers]
    assert [c[0] for c in codes] == ["AA", "AA", "AA", "AA", "AA", "AE", "AA", "AA"], codes
    assert "cancelled" in codes[1][2] and "not known" in codes[2][2]
    assert "cancel the discharge" in codes[5][2]
    hers = [e for e in published(ORGANIZATION) if e.subject == alice["id"]]
    discharges = [e.data for e in hers if e.type.endswith("discharged.v1")]
    assert [d.disposition for d in discharges] == ["against_advice", "home"], discharges
    steps = [(e.type.rsplit(".", 2)[-2], e.data.encounter_id) for e in hers if "encounter" in e.type]
    assert steps == [("admitted", visit), ("cancelled", visit), ("admitted", visit + "b"),
                     ("discharged", visit + "b"), ("cancelled", visit + "b"), ("discharged", visit + "b")], steps
    cancels = {e.data.encounter_id: e.data for e in hers if e.type.endswith("cancelled.v1")}
    admitted = {e.data.encounter_id: e.data for e in hers if e.type.endswith("admitted.v1")}
    assert {k: c.cancelled for k, c in cancels.items()} == {visit: "admission", visit + "b": "discharge"}
    for encounter, cancel in cancels.items():  # what downstream needs to take it back: the admission's facts
        facts = admitted[encounter]
        assert (cancel.encounter_class, cancel.psychiatric, cancel.admitted_at) == \
            (facts.encounter_class, facts.psychiatric, facts.admitted_at)
    assert cancels[visit].encounter_class == "EMER"


def _self_signed(directory):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_the_listener_speaks_mllp_over_tls(scheduling_url, tmp_path, world, api):
    import ssl

    cert, key = _self_signed(tmp_path)
    port = free_port()
    env = {"SCHEDULING_DATABASE_URL": scheduling_url, "SCHEDULING_MLLP_HOST": "127.0.0.1",
           "SCHEDULING_MLLP_PORT": str(port), "SCHEDULING_MLLP_FACILITIES": json.dumps({FACILITY: ORGANIZATION}),
           "SCHEDULING_MLLP_TLS_CERT": str(cert), "SCHEDULING_MLLP_TLS_KEY": str(key)}
    alice = world.participant()
    with running([sys.executable, "-m", "peerbridge_scheduling.hospital.mllp"], log=tmp_path / "tls.log", env=env,
                 ready=lambda text: "ADT listener ready" in text):
        context = ssl.create_default_context(cafile=str(cert))

        async def exchange() -> hl7.Message:
            reader, writer = await open_hl7_connection("localhost", port, encoding="utf-8", ssl=context)
            writer.writemessage(hl7.parse(adt("A01", uuid.uuid4().hex[:10], f"{alice['id']}^^^PEERBRIDGE^PI",
                                              f"V{uuid.uuid4().hex[:8]}")))
            await writer.drain()
            answer = await asyncio.wait_for(reader.readmessage(), 30)
            writer.close()
            return answer
        assert msa(asyncio.run(exchange()))[0] == "AA"
        with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError, OSError)):
            send(port, adt("A01", "plain-1", f"{alice['id']}^^^PEERBRIDGE^PI", "V-plain"))
