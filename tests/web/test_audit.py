"""The audit trail: events commit with their change, are hash-chained as documented, and tampering is named."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assessment import create_app
from assessment.models import GENESIS_HASH, AuditChainHead, AuditEvent, ImmutableRowError, Role
from assessment.platform.extensions import db
from assessment.platform.keys import purpose_key
from assessment.services.audit import ChainAnchor, chain_anchor, record_event, verify_chain
from tests.conftest import Login, MakeUser, config_for_tests, reset_database


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


postgresql_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the append-only trigger exists only on PostgreSQL (DATABASE_URL is not PostgreSQL)",
)


def tamper(sql: str, **params: object) -> None:
    """Change the table behind the application's back, as someone with database access (owner rights) could: the
    append-only triggers are set aside for the change and put back."""
    with db.engine.begin() as connection:
        if is_postgresql():
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            triggers = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
            ).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
        connection.execute(text(sql), params)
        if is_postgresql():
            connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        else:
            for _name, statement in triggers:
                connection.execute(text(statement))
    db.session.expire_all()


def write_events(count: int) -> None:
    for number in range(1, count + 1):
        record_event("uji.langkah", target=f"uji:{number}", before={"n": number - 1}, after={"n": number})
        db.session.commit()


def documented_hash(row: AuditEvent) -> str:
    """The hash as the module docstring describes it, computed here independently of the code under test."""
    moment = row.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [
        "desa-digital-audit/1",
        moment,
        row.actor_id,
        row.actor_label,
        row.acting_as,
        row.action,
        row.target,
        row.before_json,
        row.after_json,
        row.request_id,
        row.address,
        row.prev_hash,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def events(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.seq)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def test_events_are_numbered_and_linked_as_documented(app: Flask) -> None:
    record_event("uji.satu", target="uji:1", after={"nama": "Bukit Raya", "level": 3})
    record_event("uji.dua", target="uji:2", before={"b": 1, "a": 2}, after=None)
    db.session.commit()
    first, second = events()
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.hash == documented_hash(first)
    assert second.hash == documented_hash(second)
    assert second.before_json == '{"a":2,"b":1}'
    assert second.after_json is None
    head = db.session.get(AuditChainHead, 1)
    assert head is not None and (head.last_seq, head.last_hash) == (2, second.hash)


def test_event_of_a_rolled_back_change_is_not_stored(app: Flask) -> None:
    record_event("uji.batal", target="uji:1")
    db.session.rollback()
    record_event("uji.jadi", target="uji:2")
    db.session.commit()
    assert [(row.seq, row.action) for row in events()] == [(1, "uji.jadi")]


def test_event_in_a_request_names_who_acting_as_whom_request_and_address(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    user = make_user(grants=[(Role.dpmd, "64.09"), (Role.asesor, "64")])

    @app.post("/_uji/audit")
    def change() -> str:
        record_event("uji.ubah", target="uji:9", before={"x": 1}, after={"x": 2})
        db.session.commit()
        return "ok"

    client = login(app.test_client(), user)
    response = client.post(
        "/_uji/audit", environ_base={"REMOTE_ADDR": "203.0.113.7"}, headers={"X-Request-ID": "permintaan-uji-0001"}
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] != "permintaan-uji-0001"  # made by the app, never the client's
    (row,) = events("uji.ubah")
    assert row.actor_id == user.id
    assert row.actor_label == user.email
    assert row.acting_as == "asesor@64, dpmd@64.09"
    assert row.request_id == response.headers["X-Request-ID"]
    assert row.address == "203.0.113.7"
    assert row.occurred_at.tzinfo is not None


def test_a_malformed_request_id_is_replaced(app: Flask) -> None:
    response = app.test_client().get("/", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_the_application_never_updates_or_deletes_an_event(app: Flask) -> None:
    write_events(1)
    (row,) = events()
    row.action = "uji.lain"
    with pytest.raises(ImmutableRowError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(events()[0])
    with pytest.raises(ImmutableRowError):
        db.session.commit()
    db.session.rollback()


def test_verify_intact_chain(app: Flask) -> None:
    write_events(4)
    report = verify_chain(db.session)
    assert report.intact
    assert report.count == 4
    assert report.head_hash == events()[-1].hash


def test_verify_names_the_first_altered_event(app: Flask) -> None:
    write_events(5)
    tamper("UPDATE audit_event SET after_json = :after WHERE seq = 3", after='{"n":99}')
    tamper("UPDATE audit_event SET target = 'uji:x' WHERE seq = 4")
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "diubah")


def test_verify_names_an_event_altered_and_rehashed(app: Flask) -> None:
    write_events(5)
    row = events()[1]
    row_hash = documented_hash(row)
    assert row_hash == row.hash
    forged = AuditEvent(
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        acting_as=row.acting_as,
        action=row.action,
        target=row.target,
        before_json=row.before_json,
        after_json='{"n":42}',
        request_id=row.request_id,
        address=row.address,
        prev_hash=row.prev_hash,
    )
    tamper(
        "UPDATE audit_event SET after_json = :after, hash = :hash WHERE seq = 2",
        after='{"n":42}',
        hash=documented_hash(forged),
    )
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "diubah")


def test_verify_names_the_first_removed_event(app: Flask) -> None:
    write_events(5)
    tamper("DELETE FROM audit_event WHERE seq IN (2, 4)")
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "dihapus")


def test_verify_names_events_removed_from_the_end(app: Flask) -> None:
    write_events(5)
    tamper("DELETE FROM audit_event WHERE seq >= 4")
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (4, "dihapus")


def test_verify_names_the_first_reordered_event(app: Flask) -> None:
    write_events(5)
    tamper("UPDATE audit_event SET seq = 100 WHERE seq = 3")
    tamper("UPDATE audit_event SET seq = 3 WHERE seq = 4")
    tamper("UPDATE audit_event SET seq = 4 WHERE seq = 100")
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "urutan")


def test_audit_verify_command(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "utuh: 3 peristiwa" in result.output
    tamper("UPDATE audit_event SET actor_label = 'orang lain' WHERE seq = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "#2" in result.output


def test_cli_events_name_the_operating_system_account(app: Flask) -> None:
    write_events(1)
    (row,) = events()
    assert row.actor_id is None
    assert row.actor_label.startswith("cli:")
    assert row.request_id is not None and row.request_id.startswith("cli-")
    assert row.address is None


def test_two_writers_at_once_never_fork_the_chain(app: Flask) -> None:
    per_writer = 15
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            with app.app_context():
                start.wait()
                for number in range(per_writer):
                    record_event("uji.bersamaan", target=f"{name}:{number}")
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    rows = events()
    assert [row.seq for row in rows] == list(range(1, 2 * per_writer + 1))
    assert len({row.prev_hash for row in rows}) == len(rows)
    assert verify_chain(db.session).intact


def documented_mac(event_hash_hex: str, key: bytes) -> str:
    """The MAC as the module docstring describes it, computed here independently of the code under test."""
    return hmac.new(key, b"desa-digital-audit-mac/1:" + event_hash_hex.encode(), hashlib.sha256).hexdigest()


def test_events_and_head_carry_the_documented_mac(app: Flask) -> None:
    write_events(3)
    key = purpose_key("audit")
    for row in events():
        assert row.mac == documented_mac(row.hash, key)
    head = db.session.get(AuditChainHead, 1)
    assert head is not None
    text_signed = f"desa-digital-audit-head/1:3:{events()[-1].hash}:1".encode()
    assert head.mac == hmac.new(key, text_signed, hashlib.sha256).hexdigest()


def _rehash_from(seq: int) -> None:
    """Re-hash every event from ``seq`` on and move the head, as someone with database access but without the
    audit key would after an edit (the documented hash needs no key)."""
    rows = events()
    previous = rows[seq - 2].hash if seq > 1 else GENESIS_HASH
    for row in rows[seq - 1 :]:
        forged = AuditEvent(
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            acting_as=row.acting_as,
            action=row.action,
            target=row.target,
            before_json=row.before_json,
            after_json=row.after_json,
            request_id=row.request_id,
            address=row.address,
            prev_hash=previous,
        )
        new_hash = documented_hash(forged)
        tamper(
            "UPDATE audit_event SET prev_hash = :prev, hash = :hash WHERE seq = :seq",
            prev=previous,
            hash=new_hash,
            seq=row.seq,
        )
        previous = new_hash
    tamper("UPDATE audit_chain_head SET last_hash = :hash WHERE id = 1", hash=previous)


def test_verify_names_an_edit_with_the_whole_chain_rehashed(app: Flask) -> None:
    write_events(5)
    tamper("UPDATE audit_event SET after_json = :after WHERE seq = 2", after='{"n":42}')
    _rehash_from(2)
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "diubah")
    assert "MAC" in problem.message


def test_verify_names_a_deleted_tail_with_the_head_moved_back(app: Flask) -> None:
    write_events(5)
    third = events()[2]
    tamper("DELETE FROM audit_event WHERE seq >= 4")
    tamper("UPDATE audit_chain_head SET last_seq = 3, last_hash = :hash WHERE id = 1", hash=third.hash)
    problem = verify_chain(db.session).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (4, "dihapus")


def test_events_before_signing_are_covered_by_the_first_signed_event(app: Flask) -> None:
    """A database migrated with events already in it: those carry no MAC (``signed_from`` after them), and the
    first signed event's link still catches an edit of them re-hashed."""
    write_events(2)
    tamper("UPDATE audit_event SET mac = NULL")
    tamper("UPDATE audit_chain_head SET signed_from = 3, mac = NULL WHERE id = 1")
    report = verify_chain(db.session)
    assert report.intact and report.unsigned == 2
    write_events(1)
    assert verify_chain(db.session).intact
    tamper("UPDATE audit_event SET after_json = :after WHERE seq = 1", after='{"n":7}')
    rows = events()
    forged = AuditEvent(
        occurred_at=rows[0].occurred_at,
        actor_id=rows[0].actor_id,
        actor_label=rows[0].actor_label,
        acting_as=rows[0].acting_as,
        action=rows[0].action,
        target=rows[0].target,
        before_json=rows[0].before_json,
        after_json='{"n":7}',
        request_id=rows[0].request_id,
        address=rows[0].address,
        prev_hash=GENESIS_HASH,
    )
    tamper("UPDATE audit_event SET hash = :hash WHERE seq = 1", hash=documented_hash(forged))
    tamper("UPDATE audit_event SET prev_hash = :hash WHERE seq = 2", hash=documented_hash(forged))
    tamper("UPDATE audit_chain_head SET signed_from = 3 WHERE id = 1")
    problem = verify_chain(db.session).problem
    assert problem is not None and problem.seq == 2


def test_verify_with_another_key_fails(app: Flask) -> None:
    write_events(2)
    assert verify_chain(db.session).intact
    problem = verify_chain(db.session, key=b"k" * 32).problem
    assert problem is not None and problem.seq == 1


def test_anchor_printed_outside_catches_a_chain_rebuilt_with_the_key(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(3)
    anchor = chain_anchor(db.session)
    assert anchor == ChainAnchor(3, events()[-1].hash)
    assert runner.invoke(args=["audit", "anchor"]).output.strip() == str(anchor)
    write_events(2)
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 0, result.output
    # Someone holding the key as well rebuilds a shorter chain from nothing: it verifies by itself, not against
    # the anchor printed earlier.
    tamper("DELETE FROM audit_event")
    tamper(
        "UPDATE audit_chain_head SET last_seq = 0, last_hash = :genesis, mac = NULL WHERE id = 1", genesis=GENESIS_HASH
    )
    write_events(4)
    assert verify_chain(db.session).intact
    problem = verify_chain(db.session, anchors=[anchor]).problem
    assert problem is not None and (problem.seq, problem.kind) == (3, "diubah")
    problem = verify_chain(db.session, anchors=[ChainAnchor(9, "a" * 64)]).problem
    assert problem is not None and (problem.seq, problem.kind) == (5, "dihapus")
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1 and "#3" in result.output
    assert runner.invoke(args=["audit", "verify", "--anchor", "tiga:abc"]).exit_code == 2


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_database_refuses_update_and_delete_of_events(app: Flask, statement: str) -> None:
    """On SQLite as on PostgreSQL the table itself is append-only (triggers), whoever connects."""
    write_events(2)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(events()) == 2


def test_migrations_install_the_triggers_and_sign_the_chain(tmp_path: Path) -> None:
    app = create_app(config_for_tests(tmp_path))
    with app.app_context():
        reset_database()
        try:
            flask_migrate.upgrade()
            write_events(2)
            for statement in ("DELETE FROM audit_event", "UPDATE audit_event SET action = 'x'"):
                with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
                    connection.execute(text(statement))
            report = verify_chain(db.session)
            assert report.intact and report.unsigned == 0
            assert all(row.mac for row in events())
        finally:
            db.session.remove()
            reset_database()
            db.engine.dispose()


@postgresql_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
def test_postgresql_refuses_update_delete_truncate(app: Flask, statement: str) -> None:
    write_events(2)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(events()) == 2


@postgresql_only
def test_migration_installs_the_trigger_on_postgresql(tmp_path: Path) -> None:
    app = create_app(config_for_tests(tmp_path))
    with app.app_context():
        reset_database()
        try:
            flask_migrate.upgrade()
            write_events(1)
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_event"))
            assert verify_chain(db.session).intact
        finally:
            db.session.remove()
            reset_database()
            db.engine.dispose()
