"""The English catalogue: complete, faithful to its placeholders, current with the source, and used by the pages."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from assessment.models import Role
from tests.conftest import Login, MakeUser

PROJECT_DIR = Path(__file__).resolve().parents[2]
PO_FILE = PROJECT_DIR / "assessment" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Python's %-placeholders (with or without a name), str.format fields, plotly's %{x}, and HTML entities.
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|%\{[^}]*\}|\{[A-Za-z_]\w*\}"
    r"|&[A-Za-z]+;|&#\d+;"
)


def _english() -> Catalog:
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="en")


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def test_placeholder_pattern_sees_every_kind() -> None:
    text = "%(name)s %(max)d %s {code} %{y} &nbsp; &#8212;"
    assert PLACEHOLDER.findall(text) == ["%(name)s", "%(max)d", "%s", "{code}", "%{y}", "&nbsp;", "&#8212;"]


def test_catalogue_has_no_untranslated_or_fuzzy_message() -> None:
    catalog = _english()
    messages = list(_messages(catalog))
    assert len(messages) > 200
    untranslated = [message.id for message in messages if not all(_forms(message.string))]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert not untranslated, f"translate these in {PO_FILE.relative_to(PROJECT_DIR)}: {untranslated}"
    assert not fuzzy, f"check these and remove their fuzzy flag: {fuzzy}"
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"


def test_every_placeholder_of_a_message_is_in_its_translation() -> None:
    wrong = []
    for message in _messages(_english()):
        for source in _forms(message.id):
            for translation in _forms(message.string):
                if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                    wrong.append((source, translation))
    assert not wrong, f"placeholders differ between message and translation: {wrong}"


def test_translations_keep_leading_and_trailing_whitespace() -> None:
    wrong = []
    for message in _messages(_english()):
        for source in _forms(message.id):
            for translation in _forms(message.string):
                if (source[:1].isspace(), source[-1:].isspace()) != (
                    translation[:1].isspace(),
                    translation[-1:].isspace(),
                ):
                    wrong.append(source)
    assert not wrong, f"leading or trailing whitespace differs: {wrong}"


def _extraction_keywords() -> list[str]:
    """The `-k` options of `make messages`, read from the Makefile so the test extracts exactly as it does."""
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^I18N_KEYWORDS\s*:=\s*(.+)$", makefile, re.MULTILINE)
    assert found, "the Makefile defines no I18N_KEYWORDS for `make messages`"
    return shlex.split(found.group(1))


def test_committed_catalogue_has_every_string_of_the_source(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(PROJECT_DIR / "babel.cfg"),
            *_extraction_keywords(),
            "-o",
            str(template),
            "--ignore-dirs=.venv .cache .git node_modules",
            str(PROJECT_DIR),
        ]
    )
    with template.open("rb") as handle:
        extracted = read_po(handle)
    known = {message.id for message in _messages(_english())}
    missing = [message.id for message in _messages(extracted) if message.id not in known]
    assert len(list(_messages(extracted))) > 200
    assert not missing, (
        f"{len(missing)} user-facing string(s) are not in the English catalogue: {missing}. "
        "Run `make messages`, translate the new entries in assessment/translations/en/LC_MESSAGES/messages.po, "
        "then `make translations`."
    )


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    assert client.get("/bahasa/en").status_code == 302
    return client


def test_landing_page_in_english(english: FlaskClient) -> None:
    html = english.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Digital Village Competition" in html
    assert "Competition stages" in html
    assert "Skip to content" in html
    assert "Tahapan lomba" not in html
    assert "Lompat ke isi" not in html


def test_login_page_in_english(english: FlaskClient) -> None:
    html = english.get("/masuk").get_data(as_text=True)
    assert "Sign in" in html
    assert "Password" in html
    assert "Kata sandi" not in html
    assert ">Masuk<" not in html


def test_login_errors_in_english(english: FlaskClient) -> None:
    html = english.post("/masuk", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address." in html
    assert "Isi alamat email." not in html


def test_not_found_page_in_english(english: FlaskClient) -> None:
    response = english.get("/tidak-ada")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Error code" in html
    assert "Halaman tidak ditemukan" not in html


def test_sign_in_prompt_in_english(english: FlaskClient) -> None:
    response = english.get("/beranda", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Please sign in to open this page." in html
    assert "Silakan masuk" not in html


def test_signed_in_home_in_english(english: FlaskClient, make_user: MakeUser, login: Login) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    html = login(english, user).get("/beranda").get_data(as_text=True)
    assert "Your roles" in html
    assert "Village operator" in html
    assert "Sign out" in html
    assert "Peran Anda" not in html
    assert "Operator desa" not in html


def test_switching_back_to_indonesian(english: FlaskClient) -> None:
    english.get("/bahasa/id")
    html = english.get("/").get_data(as_text=True)
    assert "Tahapan lomba" in html
    assert "Competition stages" not in html
