"""What each audit action is called in words (the trail page shows these; the stored code stays the key).

Indonesian, marked for the catalogue: the page translates them where it shows them. An action without a label is
shown as its code, and ``tests/web/test_languages.py`` fails for any action the code records without one.
"""

from __future__ import annotations

from flask_babel import gettext

from assessment.core.i18n import N_


def action_label(code: str) -> str:
    """The action in words in the visitor's language, or its code when it has no label."""
    return gettext(ACTION_LABELS[code]) if code in ACTION_LABELS else code


ACTION_LABELS: dict[str, str] = {
    "results.restore_to_ranking": N_("Desa dikembalikan ke peringkat"),
    "results.withdraw_from_ranking": N_("Desa dikeluarkan dari peringkat"),
    "auth.recovery_code_used": N_("Kode pemulihan dipakai untuk masuk"),
    "auth.recovery_codes_new": N_("Kode pemulihan baru dibuat"),
    "auth.recovery_codes_refused": N_("Pembuatan kode pemulihan ditolak"),
    "backup.restore_broken": N_("Cadangan dengan jejak audit rusak dipulihkan"),
    "auth.reset_request": N_("Tautan atur ulang kata sandi diminta"),
    "competition.quota": N_("Kuota kabupaten diubah"),
    "registration.enrol": N_("Desa didaftarkan"),
    "registration.withdraw": N_("Pendaftaran desa ditarik"),
    "user.grant": N_("Peran diberikan"),
    "user.import": N_("Akun diimpor dari berkas"),
    "user.invitation_accept": N_("Undangan akun dipakai"),
    "user.invite": N_("Undangan akun dibuat"),
    "user.revoke": N_("Peran dicabut"),
    "access_test.record": N_("Uji akses dicatat"),
    "account.channels": N_("Saluran pemberitahuan diubah"),
    "assignment.automatic": N_("Penugasan otomatis"),
    "assignment.create": N_("Asesor ditugaskan"),
    "assignment.import_csv": N_("Penugasan dari CSV"),
    "assignment.withdraw": N_("Penugasan ditarik"),
    "audit.export": N_("Jejak audit diunduh"),
    "auth.login": N_("Masuk"),
    "auth.login_failed": N_("Gagal masuk"),
    "auth.logout": N_("Keluar"),
    "auth.password_change": N_("Kata sandi diganti"),
    "auth.password_ok": N_("Kata sandi diperiksa"),
    "auth.sessions_ended": N_("Semua sesi diakhiri"),
    "auth.totp_enrol": N_("Verifikasi dua langkah diaktifkan"),
    "auth.totp_reset": N_("Verifikasi dua langkah diatur ulang"),
    "berita_acara.generate": N_("Berita acara dibuat"),
    "competition.create": N_("Lomba dibuat"),
    "competition.schedule": N_("Jadwal lomba diubah"),
    "conflict.declare": N_("Konflik kepentingan dinyatakan"),
    "desk_assessment.submit": N_("Penilaian dokumen diajukan"),
    "desk_score.import_offline": N_("Nilai dokumen diimpor dari workbook"),
    "desk_score.save": N_("Nilai dokumen disimpan"),
    "evidence.link": N_("Tautan bukti ditambahkan"),
    "evidence.purge": N_("Berkas bukti dihapus (masa simpan)"),
    "evidence.remove": N_("Bukti dihapus"),
    "evidence.upload": N_("Berkas bukti diunggah"),
    "field.finalist_rule": N_("Aturan finalis diubah"),
    "field_level.save": N_("Level lapangan disimpan"),
    "field_photo.add": N_("Foto lapangan ditambahkan"),
    "field_photo.remove": N_("Foto lapangan ditarik"),
    "job.retry": N_("Tugas latar dicoba lagi"),
    "notification.deadlines": N_("Pengingat tenggat dikirim"),
    "notification.test": N_("Pesan uji dikirim"),
    "notification.reminders": N_("Pengingat sebelum tenggat dikirim"),
    "objection.answer": N_("Sanggah dijawab"),
    "objection.file": N_("Sanggah diajukan"),
    "reconciliation.agree": N_("Kesepakatan rekonsiliasi"),
    "reconciliation.correct": N_("Kesepakatan rekonsiliasi dikoreksi"),
    "regions.import": N_("Daftar wilayah diimpor"),
    "regions.import_boundaries": N_("Batas wilayah diimpor"),
    "results.finalise": N_("Hasil akhir ditetapkan"),
    "results.publish_provisional": N_("Hasil sementara diumumkan"),
    "review.lengkap": N_("Pengajuan dinyatakan lengkap"),
    "review.dikembalikan": N_("Pengajuan dikembalikan"),
    "rubric.store": N_("Rubrik disimpan"),
    "self_assessment.save": N_("Penilaian mandiri disimpan"),
    "self_assessment.submit": N_("Penilaian mandiri diajukan"),
    "stage_exception.open": N_("Pengecualian tahap dibuka"),
    "stage_exception.revoke": N_("Pengecualian tahap dicabut"),
    "user.create": N_("Akun dibuat"),
    "user.enable": N_("Akun diaktifkan"),
    "user.disable": N_("Akun dinonaktifkan"),
    "verification.assessors_per_desa": N_("Jumlah asesor per desa diubah"),
}
