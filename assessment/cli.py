"""The ``desa-digital`` command: a Flask CLI group built on :func:`assessment.create_app`.

Every data task is a sub-command. Each module in :mod:`assessment.commands` contributes its commands through a
``register(app)`` function, so adding a command never means editing this file. The file-only commands ``score``
and ``reliability`` need no application: they are run before Flask is imported, which saves the web app's
start-up (seconds) on every run.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

_FILE_ONLY = ("score", "reliability")


def _flask_group() -> click.Group:
    from flask.cli import FlaskGroup

    from assessment import create_app

    @click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False,
                 help="Penilaian Desa Digital — perintah administrasi dan data.")
    def group() -> None:
        """The application's command group."""

    return group


def main(args: Sequence[str] | None = None, **extra: Any) -> Any:
    """Entry point of the console script."""
    argv = list(sys.argv[1:] if args is None else args)
    if argv and argv[0] in _FILE_ONLY:
        from assessment.commands.scoring import file_only_command

        return file_only_command(argv[0]).main(args=argv[1:], prog_name=f"desa-digital {argv[0]}", **extra)
    return _flask_group().main(args=argv, prog_name="desa-digital", **extra)
