"""What a visitor types reaches the app without control characters.

A NUL byte cannot be stored in a PostgreSQL text column (the insert fails), and the other C0 control characters
cannot be written into an Excel workbook (a note holding one would break the assessor's offline workbook). Nobody
types them on purpose: they arrive pasted from a PDF or sent by a probe. So every submitted form field and every
query-string value has them removed before any form or view sees it, the same way on every page: NUL, the C0
controls other than tab, line feed and carriage return, and DEL. Tab and line breaks stay (a note may have
paragraphs). A path holding a control character names no page (every path this app makes is plain), so it gets
the 404 page before any view can pass a part of it to the database. Uploaded files are not touched (their
bytes are evidence), and their names are cleaned separately (:func:`assessment.services.evidence.clean_display_name`).
"""

from __future__ import annotations

import re

from flask import Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(text: str) -> str:
    """``text`` without the control characters no stored text may hold (see the module docstring)."""
    return CONTROL_CHARACTERS.sub("", text)


def _cleaned(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        [(strip_control_characters(key), strip_control_characters(value)) for key, value in values.items(multi=True)]
    )


class CleanInputRequest(Request):
    """Flask's request whose ``form`` and ``args`` hold no control characters (``request.values`` follows)."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _cleaned(self.__dict__["form"])


def refuse_control_characters_in_path() -> None:
    """Before every request: a path with a control character is answered with the 404 page (see the module)."""
    if CONTROL_CHARACTERS.search(request.path) or "\n" in request.path or "\r" in request.path or "\t" in request.path:
        abort(404)
