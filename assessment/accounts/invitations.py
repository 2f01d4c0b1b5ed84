"""Invitations: a new account has no password; its owner chooses one through a single-use link that expires.

- Issuing a link (:func:`issue_invitation`) revokes every older open link of the account: only the newest works.
- A link works once, until ``INVITATION_HOURS`` (72 by default) after it was made, and only for an active account.
- Only a hash of the token is stored; the token is re-derived from the row's nonce and the secret key, so a letter
  can be printed again while the link is open (see :mod:`assessment.models.invitation`).
- An unknown, used, replaced or expired link all get the same answer, which names neither the account nor why.
- The link is e-mailed when SMTP is set (:func:`mail_invitations`) and always printable as a letter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, has_request_context, request
from sqlalchemy import select

from assessment.auth.passwords import password_problems
from assessment.models import AccountInvitation, User, normalise_email, utcnow
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita
from assessment.services.audit import record_event
from assessment.services.security import hash_password

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
MAIL_ATTEMPTS = 5
TOKEN_PURPOSE = b"undangan-akun:"


def token_for(invitation: AccountInvitation) -> str:
    """The link's token: HMAC-SHA256 of the nonce under the secret key, URL-safe base64 without padding."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, TOKEN_PURPOSE + invitation.nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    """The absolute address of the link: ``PUBLIC_BASE_URL`` when set, else the address of this request, else the
    local default (the command line)."""
    base = (
        current_app.config.get("PUBLIC_BASE_URL")
        or (request.url_root if has_request_context() else None)
        or DEFAULT_BASE_URL
    )
    return f"{base.rstrip('/')}/undangan/{token}"


def validity() -> timedelta:
    return timedelta(hours=int(current_app.config.get("INVITATION_HOURS", 72)))


def new_batch() -> str:
    return secrets.token_hex(8)


def _revoke_open(user: User, now: datetime) -> None:
    for older in db.session.scalars(
        select(AccountInvitation).where(
            AccountInvitation.user_id == user.id,
            AccountInvitation.used_at.is_(None),
            AccountInvitation.revoked_at.is_(None),
        )
    ):
        older.revoked_at = now


def add_invitation(user: User, by: User | None, now: datetime, batch: str) -> AccountInvitation:
    """A new link for ``user`` (older open ones revoked), written by the caller's commit; audited."""
    if user.id is None:
        db.session.flush()
    _revoke_open(user, now)
    invitation = AccountInvitation(
        user_id=user.id,
        nonce=secrets.token_hex(32),
        batch=batch,
        created_by_id=by.id if by else None,
        created_at=now,
        expires_at=now + validity(),
    )
    invitation.token_hash = token_hash(token_for(invitation))
    db.session.add(invitation)
    db.session.flush()
    record_event(
        "user.invite",
        target=f"user:{user.id}",
        after={"invitation": invitation.id, "expires_at": invitation.expires_at, "batch": batch},
        actor=by,
    )
    return invitation


def issue_invitation(user: User, by: User | None, now: datetime) -> tuple[AccountInvitation, str]:
    """A fresh link for one account (the old one stops working): the invitation and its token (commits)."""
    invitation = add_invitation(user, by, now, new_batch())
    token = token_for(invitation)
    db.session.commit()
    return invitation, token


def open_invitation(token: str, now: datetime) -> AccountInvitation | None:
    """The open invitation this token names, for an active account; None for anything else (all alike)."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(select(AccountInvitation).where(AccountInvitation.token_hash == token_hash(token)))
    if invitation is None or not invitation.is_open(now) or not invitation.user.active:
        return None
    # Compare the derived token too: a row whose nonce was tampered with never matches.
    if not hmac.compare_digest(token_for(invitation), token):
        return None
    return invitation


def accept_invitation(invitation: AccountInvitation, password: str, now: datetime) -> list[str]:
    """Set the account's password from its invitation; the problems (Indonesian) that stopped it, else [].

    The password follows :mod:`assessment.auth.passwords`. The link is then used up, every other open link of
    the account is revoked, and every session of the account ends (as after a password change).
    """
    user = invitation.user
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        return problems
    user.password_hash = hash_password(password)
    user.session_version += 1
    _revoke_open(user, now)
    invitation.revoked_at = None
    invitation.used_at = now
    record_event(
        "user.invitation_accept",
        target=f"user:{user.id}",
        actor=user,
        after={"invitation": invitation.id, "session_version": user.session_version},
    )
    db.session.commit()
    return []


def open_invitations(
    user_ids: Iterable[int] | None, now: datetime, batch: str | None = None
) -> list[AccountInvitation]:
    """The open invitations (of these accounts, of this batch), by account name."""
    query = (
        select(AccountInvitation)
        .join(User, User.id == AccountInvitation.user_id)
        .where(
            AccountInvitation.used_at.is_(None),
            AccountInvitation.revoked_at.is_(None),
            AccountInvitation.expires_at > now,
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    )
    if user_ids is not None:
        query = query.where(AccountInvitation.user_id.in_(list(user_ids)))
    if batch is not None:
        query = query.where(AccountInvitation.batch == batch)
    return list(db.session.scalars(query))


@dataclass(frozen=True, slots=True)
class MailResult:
    sent: int
    failed: int
    waiting: int


def _message(invitation: AccountInvitation) -> EmailMessage:
    config = current_app.config
    user = invitation.user
    mail = EmailMessage()
    mail["From"] = config.get("SMTP_FROM", "no-reply@localhost")
    mail["To"] = user.email
    mail["Subject"] = "Undangan akun Lomba Desa Digital Kaltim"
    mail.set_content(
        f"Yth. {user.name},\n\n"
        "Akun Anda untuk aplikasi Penilaian Desa Digital sudah dibuat. Buka tautan berikut untuk memilih kata "
        f"sandi Anda sendiri:\n\n{invitation_url(token_for(invitation))}\n\n"
        f"Tautan ini hanya dapat dipakai sekali dan berlaku sampai {format_wita(invitation.expires_at)}. Setelah "
        f"itu masuk dengan email {user.email} dan kata sandi Anda.\n\n"
        "Bila Anda tidak merasa didaftarkan, abaikan email ini.\n"
    )
    return mail


RESET_PAUSE = timedelta(minutes=15)


def request_reset(email: str, now: datetime) -> None:
    """ "Lupa kata sandi": when SMTP is set, e-mail the active account with this address a fresh single-use link
    (the same kind as an invitation: the older link stops working) to choose a new password.

    Nothing tells the visitor whether the address has an account: the page answers the same in every case, and
    only the audit trail (``auth.reset_request``, which the committee reads) says what happened. A link is sent
    at most once per 15 minutes per account, so the form cannot be used to flood someone's mailbox. Without SMTP
    nothing is sent: the page tells the person to ask their DPMD or the committee, who send a new invitation from
    the users page.
    """
    address = normalise_email(email)[:320]
    user = db.session.scalar(select(User).where(User.email == address))
    if not current_app.config.get("SMTP_HOST"):
        outcome = "tanpa_email"
    elif user is None or not user.active:
        outcome = "tidak_dikirim"
    else:
        recent = db.session.scalar(
            select(AccountInvitation.id).where(
                AccountInvitation.user_id == user.id, AccountInvitation.created_at > now - RESET_PAUSE
            )
        )
        outcome = "terlalu_sering" if recent is not None else "dikirim"
    target = f"user:{user.id}" if user is not None else f"email:{address[:190]}"
    record_event("auth.reset_request", target=target, after={"outcome": outcome}, actor=user)
    if outcome != "dikirim" or user is None:
        db.session.commit()
        return
    invitation = add_invitation(user, None, now, new_batch())
    db.session.commit()
    mail_invitations([invitation])


def mail_invitations(invitations: Sequence[AccountInvitation], limit: int | None = None) -> MailResult:
    """E-mail these open invitations over one SMTP connection (nothing when SMTP is not set), at most ``limit``
    now (default ``MAIL_INLINE_LIMIT``): the rest wait for ``desa-digital users send-invitations``.

    A refused message or a failed connection counts one failed attempt; after 5 an invitation is no longer
    mailed (its letter still works). Commits what was sent: a sent e-mail cannot be taken back.
    """
    config = current_app.config
    pending = [item for item in invitations if item.mailed_at is None and item.mail_attempts < MAIL_ATTEMPTS]
    if not config.get("SMTP_HOST") or not pending:
        return MailResult(0, 0, 0)
    limit = int(config.get("MAIL_INLINE_LIMIT", 20)) if limit is None else limit
    batch, waiting = pending[:limit], len(pending[limit:])
    failed = 0
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 587), timeout=10) as smtp:
            if config.get("SMTP_STARTTLS", True):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            for invitation in batch:
                try:
                    smtp.send_message(_message(invitation))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
                    log.warning("Mail server refused invitation %d", invitation.id, exc_info=True)
                    invitation.mail_attempts += 1
                    failed += 1
                    continue
                invitation.mailed_at = utcnow()
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send invitation e-mails; the letters still work")
        for invitation in batch:
            if invitation.mailed_at is None:
                invitation.mail_attempts += 1
                failed += 1
    db.session.commit()
    return MailResult(sum(item.mailed_at is not None for item in batch), failed, waiting)


def unmailed(now: datetime) -> list[AccountInvitation]:
    """Open invitations not yet e-mailed (and not given up)."""
    return [
        item for item in open_invitations(None, now) if item.mailed_at is None and item.mail_attempts < MAIL_ATTEMPTS
    ]
