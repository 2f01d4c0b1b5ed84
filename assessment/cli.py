"""The ``desa-digital`` command: a Flask CLI group built on :func:`assessment.create_app`.

Every data task is a sub-command. Each module in :mod:`assessment.commands` contributes its commands through a
``register(app)`` function, so adding a command never means editing this file. The file-only commands ``score``,
``reliability`` and ``snapshot`` need no application: they are run before Flask is imported, which saves the web
app's start-up (seconds) on every run and lets anyone run ``snapshot verify`` without a database or configuration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask

_FILE_ONLY = ("score", "reliability", "snapshot")
# Flask's own commands, for developers: `make run` serves the app with the production server, not `run`.
DEVELOPER_COMMANDS = ("run", "shell", "routes")
# Flask-Migrate's group has an English, generic help text; the README uses `db upgrade`.
DB_HELP = "Basis data: `db upgrade` membuat atau memigrasi skema (perintah migrasi lainnya untuk pengembang)."


def _flask_group(factory: Callable[[], Flask] | None = None) -> click.Group:
    """The command group; ``factory`` makes the app (default :func:`assessment.create_app`, tests pass their own)."""
    from flask.cli import FlaskGroup

    from assessment import create_app

    class ProjectGroup(FlaskGroup):
        """Lists the project's commands first, then Flask's developer commands under their own heading."""

        def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            project: list[tuple[str, str]] = []
            developer: list[tuple[str, str]] = []
            limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
            for name in self.list_commands(ctx):
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                text = DB_HELP if name == "db" else command.get_short_help_str(limit)
                (developer if name in DEVELOPER_COMMANDS else project).append((name, text))
            with formatter.section("Perintah"):
                formatter.write_dl(project)
            if developer:
                with formatter.section("Perintah Flask untuk pengembang (bukan untuk server produksi)"):
                    formatter.write_dl(developer)

    @click.group(
        cls=ProjectGroup,
        create_app=factory or (lambda: create_app()),
        add_version_option=False,
        help="Penilaian Desa Digital — perintah administrasi dan data. Jalankan aplikasi dengan "
        "`make run` (server produksi); `desa-digital PERINTAH --help` menjelaskan tiap perintah.",
    )
    def group() -> None:
        """The application's command group."""

    return group


def main(args: Sequence[str] | None = None, **extra: Any) -> Any:
    """Entry point of the console script."""
    argv = list(sys.argv[1:] if args is None else args)
    if argv and argv[0] == "snapshot":
        from assessment.commands.snapshot import snapshot_cli

        return snapshot_cli.main(args=argv[1:], prog_name="desa-digital snapshot", **extra)
    if argv and argv[0] in _FILE_ONLY:
        from assessment.commands.scoring import file_only_command

        return file_only_command(argv[0]).main(args=argv[1:], prog_name=f"desa-digital {argv[0]}", **extra)
    return _flask_group().main(args=argv, prog_name="desa-digital", **extra)
