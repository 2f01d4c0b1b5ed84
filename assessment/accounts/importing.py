"""Accounts in bulk: import people and their role grants from a CSV or Excel file, all or nothing.

The columns are ``nama,email,peran,wilayah[,wilayah_asal]`` (read by :func:`assessment.platform.tabular.read_table`).
The
rules of a line are written once, in :func:`plan_import`; :func:`import_accounts` applies a plan without problems.
A new account gets no password but an invitation (:mod:`assessment.accounts.invitations`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from assessment.accounts.invitations import add_invitation, new_batch
from assessment.auth.operations import GrantSpec, grant_problems
from assessment.models import AccountInvitation, Role, RoleGrant, User, normalise_email
from assessment.platform.extensions import db
from assessment.platform.tabular import LineProblem, TableRejected, TableRow, read_table
from assessment.services.audit import record_event
from assessment.services.security import grants_for, hash_password, region_within

REQUIRED_COLUMNS = ("nama", "email", "peran", "wilayah")
OPTIONAL_COLUMNS = ("wilayah_asal",)
# What DPMD may create inside its kabupaten; the committee may create every role inside its provinsi.
DPMD_MANAGES = (Role.operator_desa, Role.verifikator_kecamatan)


def unusable_password_hash() -> str:
    """The password hash of an account that has not chosen a password yet: the argon2id hash of a random secret
    thrown away at once, so no password matches it, and a sign-in attempt costs as long as for any account (an
    empty hash would be refused at once, telling a guesser that the account exists and waits for its owner)."""
    return hash_password(secrets.token_urlsafe(32))


@dataclass
class PlannedAccount:
    """One account of the file: new or existing, and the grants the import adds to it (none: unchanged)."""

    email: str
    name: str
    line: int
    existing: User | None
    grants: list[GrantSpec] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class ImportPlan:
    """What an import does: the accounts in file order and how many lines change nothing."""

    accounts: list[PlannedAccount]
    unchanged_lines: int

    @property
    def new_accounts(self) -> list[PlannedAccount]:
        return [account for account in self.accounts if account.is_new]

    @property
    def added_grants(self) -> int:
        return sum(len(account.grants) for account in self.accounts)


def parse_role(text: str) -> Role | None:
    """``operator_desa``, ``Operator Desa`` and ``operator-desa`` all name the same role; None if no role."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    try:
        return Role(key)
    except ValueError:
        return None


def may_grant(importer: User | None, role: Role, region_code: str) -> bool:
    """Whether ``importer`` may give ``role`` in ``region_code``: the command line (None) may give any; the
    committee any role inside its own region; DPMD only operator desa and verifikator kecamatan inside its own
    kabupaten."""
    if importer is None:
        return True
    for grant in grants_for(importer, (Role.panitia, Role.dpmd)):
        if not region_within(region_code, grant.region_code):
            continue
        if grant.role is Role.panitia or role in DPMD_MANAGES:
            return True
    return False


def _line_grant(row: TableRow, importer: User | None) -> tuple[GrantSpec | None, list[str]]:
    problems: list[str] = []
    role_text, region, home = row.get("peran"), row.get("wilayah"), row.get("wilayah_asal")
    role = parse_role(role_text)
    if role is None:
        problems.append(
            f"peran {role_text or '(kosong)'} tidak dikenal (pilihan: " + ", ".join(item.value for item in Role) + ")"
        )
    if not region:
        problems.append("wilayah kosong")
    if role is None or not region:
        return None, problems
    if home and role is not Role.asesor:
        problems.append("wilayah_asal hanya untuk peran asesor")
        return None, problems
    spec = GrantSpec(role, region, home or None)
    problems.extend(problem.rstrip(".") for problem in grant_problems(spec))
    if not problems and not may_grant(importer, role, region):
        problems.append(f"Anda tidak berwenang memberi peran {role.value} di wilayah {region}")
    return (None if problems else spec), problems


def plan_import(rows: list[TableRow], importer: User | None) -> ImportPlan:
    """Check every line of an account file; :class:`~assessment.platform.tabular.TableRejected` with every problem and
    its
    line, else the plan.

    A line names one person (``nama``, ``email``) and one grant (``peran`` in ``wilayah``; ``wilayah_asal`` only
    for an asesor, for conflicts of interest). Rules:

    - the name is required (at most 200 characters), the e-mail must look like one;
    - the role is one of the six, written as in the template (case, spaces and hyphens do not matter);
    - the region exists and is of the kind the role is scoped to (operator desa: a desa; verifikator kecamatan: a
      kecamatan; DPMD: a kabupaten/kota; panitia, asesor, ketua tim: a provinsi);
    - the importer may give that grant (:func:`may_grant`): DPMD only operator desa and verifikator kecamatan
      accounts inside its kabupaten;
    - one person may have several lines (several grants), with the same name each time; the same grant twice is
      a problem of the later line;
    - an e-mail that already has an account gets the grants it does not hold yet (its name and password stay),
      if the importer manages that account (:func:`manageable_by`: DPMD never changes a committee account);
      a grant it already holds changes nothing, so importing the same file twice changes nothing; an asesor grant
      held with another home region is a problem (change it by hand, not by import).
    """
    problems: list[LineProblem] = []
    accounts: dict[str, PlannedAccount] = {}
    seen: dict[tuple[str, str, str], int] = {}
    unchanged = 0
    emails = [normalise_email(row.get("email")) for row in rows]
    existing = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for row, email in zip(rows, emails, strict=True):
        line_problems: list[str] = []
        name = " ".join(row.get("nama").split())
        if not name:
            line_problems.append("nama kosong")
        elif len(name) > 200:
            line_problems.append("nama paling panjang 200 karakter")
        local, _, domain = email.partition("@")
        if not email:
            line_problems.append("email kosong")
        elif not local or "." not in domain or " " in email or len(email) > 320:
            line_problems.append(f"email {email} tidak sah")
        spec, grant_issues = _line_grant(row, importer)
        line_problems.extend(grant_issues)
        planned = accounts.get(email)
        if planned is not None and name and planned.name != name:
            line_problems.append(f"email {email} sudah di baris {planned.line} dengan nama {planned.name}")
        if spec is not None and email:
            key = (email, spec.role.value, spec.region_code)
            if key in seen:
                line_problems.append(f"peran yang sama untuk {email} sudah di baris {seen[key]}")
            seen.setdefault(key, row.line)
        if line_problems or spec is None:
            problems.extend(LineProblem(row.line, problem) for problem in line_problems)
            continue
        user = existing.get(email)
        if user is not None and user.grants and not manageable_by(importer, user):
            problems.append(
                LineProblem(
                    row.line,
                    f"akun {email} memegang peran yang tidak Anda kelola; mintalah panitia menambahkan perannya",
                )
            )
            continue
        if planned is None:
            planned = accounts[email] = PlannedAccount(email, name, row.line, user)
        held = next(
            (
                grant
                for grant in (user.grants if user else [])
                if grant.role is spec.role and grant.region_code == spec.region_code
            ),
            None,
        )
        if held is None:
            planned.grants.append(spec)
        elif spec.home_region_code and held.home_region_code != spec.home_region_code:
            problems.append(
                LineProblem(
                    row.line,
                    f"{email} sudah asesor di {spec.region_code} dengan wilayah asal "
                    f"{held.home_region_code or '(kosong)'}",
                )
            )
        else:
            unchanged += 1
    if problems:
        raise TableRejected(problems)
    return ImportPlan(list(accounts.values()), unchanged)


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    batch: str | None
    invitations: list[AccountInvitation]


def import_accounts(
    data: bytes, filename: str, importer: User | None, now: datetime, *, dry_run: bool = False
) -> ImportResult:
    """Read, check (:func:`plan_import`) and, unless ``dry_run``, apply an account file in one commit.

    New accounts are active without a password, each with an invitation link (one batch per import, so their
    letters print together); existing accounts get their new grants. Audited per account (``user.create``,
    ``user.grant``, ``user.invite``) and as a whole (``user.import``). Nothing is e-mailed here: the caller mails
    after the commit (:func:`assessment.accounts.invitations.mail_invitations`).
    """
    plan = plan_import(read_table(data, filename, REQUIRED_COLUMNS, OPTIONAL_COLUMNS), importer)
    if dry_run or not plan.added_grants:
        return ImportResult(plan, None, [])
    batch = new_batch()
    no_password = unusable_password_hash()  # one per import: hashing costs about 50 ms
    invitations: list[AccountInvitation] = []
    for account in plan.accounts:
        if not account.grants:
            continue
        grants = [
            RoleGrant(role=spec.role, region_code=spec.region_code, home_region_code=spec.home_region_code)
            for spec in account.grants
        ]
        states = [
            {"role": spec.role.value, "region": spec.region_code, "home_region": spec.home_region_code}
            for spec in account.grants
        ]
        if account.existing is None:
            user = User(name=account.name, email=account.email, password_hash=no_password)
            user.grants = grants
            db.session.add(user)
            db.session.flush()
            record_event(
                "user.create",
                target=f"user:{user.id}",
                actor=importer,
                after={"name": user.name, "email": user.email, "active": True, "grants": states, "password": False},
            )
            invitations.append(add_invitation(user, importer, now, batch))
        else:
            account.existing.grants.extend(grants)
            record_event("user.grant", target=f"user:{account.existing.id}", actor=importer, after={"added": states})
    record_event(
        "user.import",
        target=f"import:{batch}",
        actor=importer,
        after={
            "file": filename[-200:],
            "new_accounts": len(plan.new_accounts),
            "grants_added": plan.added_grants,
            "unchanged_lines": plan.unchanged_lines,
        },
    )
    db.session.commit()
    return ImportResult(plan, batch, invitations)


def manageable_by(importer: User | None, user: User) -> bool:
    """Whether ``importer`` may print or renew the invitation of ``user``: every grant of the account must be one
    the importer could give (:func:`may_grant`), so DPMD never holds the link of a committee account."""
    return bool(user.grants) and all(may_grant(importer, grant.role, grant.region_code) for grant in user.grants)


def may_invite(manager: User | None, user: User) -> bool:
    """Whether ``manager`` may send ``user`` a new invitation (and print its letter): whoever manages the account
    (:func:`manageable_by`), and the verifikator kecamatan of an operator desa account all of whose desa lie in
    its kecamatan (the person an operator desa asks first when the password is lost)."""
    if manageable_by(manager, user):
        return True
    kecamatan = [grant.region_code for grant in grants_for(manager, (Role.verifikator_kecamatan,))]
    return bool(user.grants) and all(
        grant.role is Role.operator_desa and any(region_within(grant.region_code, code) for code in kecamatan)
        for grant in user.grants
    )
