"""Data migrations of this issue's revisions, on rows as they were before them: contacts a caller
marked verified stay paged but show as legacy; case numbers continue after each organization's own
highest number, never colliding with it."""

from sqlalchemy import create_engine, text

from peerbridge_shared.migrations import upgrade

from .conftest import SERVICE_DIR

ALEMBIC = SERVICE_DIR / "alembic.ini"


def test_legacy_contacts_stay_paged_and_case_numbers_continue_per_organization(create_database):
    url = create_database("escalation_migrations")
    upgrade(ALEMBIC, url, "0008")
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text("INSERT INTO clinician_contacts (id, organization_id, clinician_id, channel, address, "
                        "verified, priority) VALUES ('c1', 'org-a', 'ana', 'email', 'ana@example.org', true, 0), "
                        "('c2', 'org-a', 'ben', 'email', 'ben@example.org', false, 0)"))
        for number, org in ((41, "org-a"), (42, "org-b"), (43, "org-a")):
            db.execute(text(
                "INSERT INTO cases (id, organization_id, case_number, participant_id, program_id, risk_level, "
                "rule_version, status, opened_at, acknowledge_by, current_level, policy, missed_check_ins) VALUES "
                f"('case-{number}', '{org}', 'ESC-2026-{number:06d}', 'p-{number}', 'prog', 'high', 'v', "
                "'resolved', now(), now(), 0, '{}', 0)"))
    upgrade(ALEMBIC, url)
    with engine.begin() as db:
        contacts = dict(db.execute(text("SELECT clinician_id, verified::text || ':' || verification "
                                        "FROM clinician_contacts")).all())
        counters = dict(db.execute(text("SELECT organization_id, last FROM case_number_counters")).all())
    engine.dispose()
    assert contacts == {"ana": "true:legacy", "ben": "false:pending"}
    assert counters == {"org-a": 43, "org-b": 42}
