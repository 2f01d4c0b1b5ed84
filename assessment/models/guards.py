"""Database-level guards: tables whose rows, once written, are never changed or deleted (append-only).

The ORM already refuses such changes (see ``_refuse_rubric_changes``); these triggers make the database itself
refuse them, so that neither a script with raw SQL nor a bug elsewhere can change what published scores rest on.
The same statements are run by ``db.create_all()`` (tests) and by the Alembic migration (real databases).
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

APPEND_ONLY_TABLES = ("stored_rubric", "provisional_result", "final_snapshot", "berita_acara")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END
$$
"""


def sqlite_statements(table: str) -> list[str]:
    """Triggers that abort any UPDATE or DELETE on ``table`` (SQLite)."""
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END",
    ]


def postgresql_statements(table: str) -> list[str]:
    """A statement trigger that raises on any UPDATE, DELETE or TRUNCATE of ``table`` (PostgreSQL)."""
    return [
        PG_FUNCTION,
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_append_only()",
    ]


def install_append_only(table: Table) -> None:
    """Create the guard triggers whenever ``table`` is created through SQLAlchemy metadata."""
    for dialect, statements in (
        ("sqlite", sqlite_statements(table.name)),
        ("postgresql", postgresql_statements(table.name)),
    ):
        for statement in statements:
            # DDL formats its text with %: the PostgreSQL message's placeholder is written %% here.
            ddl = DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]
            event.listen(table, "after_create", ddl.execute_if(dialect=dialect))
