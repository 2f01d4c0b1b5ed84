"""The committee's delivery page: messages sent, pending, failed and parked per channel with the reason, and a
"send a test message to me" button per channel. Each view loads, authorizes (panitia), calls one operation,
renders."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from assessment.core.i18n import N_
from assessment.delivery import operations
from assessment.models import Job, Role
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.services.security import roles_required

bp = Blueprint("delivery", __name__, url_prefix="/panitia/pengiriman")

COMMITTEE = (Role.panitia,)
CHANNEL_NAMES = {"email": N_("E-mail"), "whatsapp": N_("WhatsApp/SMS")}
FANOUT_NAMES = {
    "hasil_sementara": N_("Pengumuman hasil sementara"),
    "hasil_akhir": N_("Penetapan hasil akhir"),
    "schedule_change": N_("Perubahan jadwal"),
    "assignment": N_("Penugasan asesor"),
    "registration": N_("Pendaftaran peserta"),
}
STATE_NAMES = {
    "sent": N_("terkirim"),
    "pending": N_("menunggu"),
    "failed": N_("gagal, dicoba lagi"),
    "parked": N_("diparkir (berhenti dicoba)"),
}


offer_links(
    bp,
    NavLink(
        Role.panitia,
        "delivery.index",
        _l("Pengiriman pesan"),
        _l("E-mail dan WhatsApp/SMS yang terkirim, menunggu, gagal atau diparkir."),
    ),
)


@bp.get("/")
@roles_required(*COMMITTEE)
def index() -> str:
    config = current_app.config
    configured = {"email": bool(config.get("SMTP_HOST")), "whatsapp": bool(config.get("WA_GATEWAY_URL"))}
    return render_template(
        "delivery/index.html",
        summary=operations.summary(),
        deliveries=operations.recent(),
        configured=configured,
        channel_names=CHANNEL_NAMES,
        state_names=STATE_NAMES,
        parked_work=operations.parked_work(),
        fanouts=operations.fanouts(),
        fanout_names=FANOUT_NAMES,
        states=operations.STATES,
        confirm=ConfirmForm(),
        wita=wita,
    )


@bp.post("/uji/<channel>")
@roles_required(*COMMITTEE)
def test_message(channel: str) -> Response:
    if channel not in CHANNEL_NAMES:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            operations.queue_test_message(current_user, channel, now_utc())
            flash(
                _(
                    "Pesan uji diantrekan; pekerja latar mengirimnya dalam beberapa detik. Hasilnya tampil di "
                    "daftar di bawah."
                ),
                "success",
            )
        except operations.NoAddress:
            flash(
                _("Akun Anda belum punya alamat untuk saluran ini: isi nomor HP di Pengaturan pemberitahuan."), "error"
            )
    return redirect(url_for("delivery.index"))


@bp.post("/pekerjaan/<int:job_id>/ulang")
@roles_required(*COMMITTEE)
def retry(job_id: int) -> Response:
    job = db.get_or_404(Job, job_id)
    if ConfirmForm().validate_on_submit():
        try:
            operations.retry_parked(job, now_utc())
            flash(_("Dicoba lagi: pekerja latar menjalankannya dalam beberapa detik."), "success")
        except operations.NotParked:
            flash(_("Pekerjaan ini tidak sedang diparkir; tidak ada yang diubah."), "info")
    return redirect(url_for("delivery.index"))
