"""Which passwords are accepted (OWASP ASVS 5.0 chapter 6): length and guessability, never composition rules.

A password is refused when (and only when):

- it has fewer than :data:`MIN_LENGTH` (10) or more than :data:`MAX_LENGTH` (1024) characters;
- it is a common password: once lower-cased, with digits, spaces and punctuation at either end taken off and
  look-alike characters read as letters (``0``→o, ``1``→i, ``3``→e, ``4``/``@``→a, ``5``/``$``→s, ``7``→t), what
  remains is empty, one word of :data:`COMMON_WORDS` (also repeated, like ``sayangsayang``) or two of them
  joined (``kaltim.samarinda``: spaces and punctuation between words are ignored), a run of at most
  two different characters, or a run along the keyboard or the alphabet/digits (``qwertyuiop``, ``1234567890``);
- it contains the account's e-mail name or a part of the person's name of 4 letters or more.

Anything else, including a long phrase of ordinary words, is accepted: length beats complexity.
The word list is ours: the words Indonesian users (and everyone) build weak passwords from, including the
competition's own vocabulary, which an attacker would try first.
"""

from __future__ import annotations

import re
import string

MIN_LENGTH = 10
MAX_LENGTH = 1024

_WORDS = """
password passwd passw pass sandi katasandi kata rahasia rahasiaku rahasiasaya pin kode kodeakses akses
admin administrator root superuser user pengguna login masuk default changeme gantisandi gantipassword guest tamu
test testing tes coba cobacoba percobaan demo contoh sample
qwerty qwertyuiop qwertz azerty asdf asdfgh asdfghjkl zxcvbnm qazwsx qazwsxedc wasd
iloveyou loveyou love cinta cintaku cintakamu sayang sayangku sayangkamu kasih kasihku rindu
bismillah alhamdulillah subhanallah assalamualaikum insyaallah inshaallah masyaallah allahuakbar allah
muhammad amanah berkah barokah sukses semangat mantap mantul hebat juara pemenang
indonesia nusantara merdeka pancasila garuda bhinneka republik jakarta bandung surabaya medan makassar
kalimantan kalimantantimur kaltim borneo samarinda balikpapan bontang tenggarong penajam paser ppu sepaku
waru babulu kutai berau mahakam ikn ibukota
desa desaku desadigital digital lombadesa lomba kepaladesa kades sekdes perangkat pemdes operator operatordesa
panitia asesor verifikator verifikasi dpmd dpmpd kecamatan kabupaten provinsi kelurahan penilaian
welcome selamat selamatdatang halo hallo hello letmein open sesame
monkey dragon shadow master superman batman spiderman naruto doraemon pokemon princess sunshine
football sepakbola bola persib persija arema jakmania bonek barcelona madrid liverpool chelsea arsenal
manchester juventus messi ronaldo
trustno1 abc abcdef abcdefgh
"""
COMMON_WORDS = frozenset(_WORDS.split())

_LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t"})
_EDGES = string.digits + string.punctuation + string.whitespace
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)


def _is_run(text: str) -> bool:
    """Whether ``text`` follows one of the keyboard or alphabet runs, forwards or backwards (wrapping allowed)."""
    if len(text) < 4:
        return False
    for run in _RUNS:
        doubled = run + run
        if text in doubled or text[::-1] in doubled:
            return True
    return False


def _repeats_a_word(core: str) -> bool:
    for size in range(1, len(core) // 2 + 1):
        if (
            len(core) % size == 0
            and core[:size] * (len(core) // size) == core
            and (core[:size] in COMMON_WORDS or size <= 2)
        ):
            return True
    return False


def _two_words(core: str) -> bool:
    return any(core[:cut] in COMMON_WORDS and core[cut:] in COMMON_WORDS for cut in range(1, len(core)))


def is_common_password(password: str) -> bool:
    """Whether ``password`` is one an attacker tries first (the rules are in the module docstring)."""
    lowered = password.lower()
    cores = {
        lowered.strip(_EDGES),
        lowered.translate(_LOOKALIKES).strip(_EDGES),
        lowered.strip(_EDGES).translate(_LOOKALIKES),
    }
    compact = re.sub(r"[\s\W_]+", "", lowered)
    cores |= {compact, compact.strip(string.digits), compact.translate(_LOOKALIKES).strip(string.digits)}
    # A word that itself ends in digits ("trustno1") followed by more digits: try every digit-only tail.
    cores |= {compact[:cut] for cut in range(1, len(compact)) if compact[cut:].isdigit()}
    if any(_two_words(core) for core in cores):
        return True
    for core in cores:
        if not core or core in COMMON_WORDS or len(set(core)) <= 2 or _is_run(core) or _repeats_a_word(core):
            return True
    return _is_run(lowered.strip(string.whitespace))


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why ``password`` is refused, in Indonesian (empty when it is accepted)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Kata sandi paling sedikit {MIN_LENGTH} karakter.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Kata sandi paling panjang {MAX_LENGTH} karakter.")
    elif is_common_password(password):
        problems.append(
            "Kata sandi ini terlalu umum dan mudah ditebak. Pakai gabungan beberapa kata yang "
            "hanya Anda ketahui, mis. empat kata acak."
        )
    lowered = password.lower()
    personal = {email.split("@")[0].lower()} | {part.lower() for part in re.split(r"\W+", name)}
    if any(len(part) >= 4 and part in lowered for part in personal):
        problems.append("Kata sandi tidak boleh memuat nama atau alamat email Anda.")
    return problems
