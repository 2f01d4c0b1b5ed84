"""The files a results report consists of: the results workbook, the kabupaten PDF and the winners' certificates.

Used by the download routes and by ``desa-digital reports build``; each takes a
:class:`~assessment.presentation.reportdata.ResultsReport` (from :func:`assessment.repo.results_report`) and returns
bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _

from assessment.exports.results import aspect_by_kecamatan_rows, write_results_workbook
from assessment.presentation.pdf import render_template_pdf, svg_bar_charts
from assessment.presentation.reportdata import DesaResult, ResultsReport, mean_or_none, median_or_none

WINNER_PLACES = 3
"""Certificates go to the desa placed 1 to 3 in the competition's own (province) ranking."""


def winners(report: ResultsReport) -> list[DesaResult]:
    """The winners of a ranking: every desa whose rank is at most :data:`WINNER_PLACES`.

    The rule: a shared rank (seri) within the first three places gives each desa sharing it a certificate (the
    plenary may still decide the tie, which the certificate then follows); only ranked desa are in a report's
    ``desa`` (:func:`assessment.core.standing.who_is_ranked`), and one without a predikat never wins.
    """
    return [desa for desa in report.desa if desa.rank <= WINNER_PLACES and desa.predikat]


def workbook_bytes(report: ResultsReport) -> bytes:
    """The results workbook of the report (Ringkasan, Peringkat, Aspek per Kecamatan, Indikator, Asesor, Bukti)."""
    data = write_results_workbook(report)
    assert data is not None  # noqa: S101 -- no target: the bytes are returned
    return data


def kabupaten_pdf(report: ResultsReport, generated_at: datetime, generated_label: str) -> bytes:
    """The kabupaten report: cover (with the final snapshot it comes from, once finalised), summary, charts (SVG),
    the ranking and the desa not ranked with their state, and a page per kecamatan (ranked desa only)."""
    indices = [desa.index for desa in report.desa]
    by_kecamatan: dict[tuple[str, str], list[DesaResult]] = defaultdict(list)
    for desa in report.desa:
        by_kecamatan[(desa.kecamatan_code, desa.kecamatan)].append(desa)
    headers, kecamatan_rows = aspect_by_kecamatan_rows(report)
    predikat = [(label, sum(1 for d in report.desa if d.predikat == label)) for label in report.predikat_order]
    # A chart is cut into parts that each fit a page (svg_bar_charts): a province has a hundred kecamatan.
    charts = [
        *svg_bar_charts(
            [row[1] for row in kecamatan_rows],
            [row[3] for row in kecamatan_rows],
            title=_("Rata-rata indeks per kecamatan"),
            maximum=100,
        ),
        *svg_bar_charts(
            [label for label, _n in predikat],
            [float(n) for _l, n in predikat],
            title=_("Jumlah desa per predikat"),
            decimals=0,
        ),
        *svg_bar_charts(
            [a.name for a in report.aspects],
            [mean_or_none([d.aspects[i] for d in report.desa]) for i in range(len(report.aspects))],
            title=_("Rata-rata skor per aspek"),
            maximum=100,
        ),
    ]
    kecamatan_pages = []
    for (code, name), members in sorted(by_kecamatan.items()):
        ordered = sorted(members, key=lambda d: (d.rank, d.code))
        charts_of_page = svg_bar_charts(
            [d.name for d in ordered],
            [d.index for d in ordered],
            title=_("Indeks desa di Kecamatan %(name)s", name=name),
            maximum=100,
        )
        kecamatan_pages.append(
            {
                "code": code,
                "name": name,
                "desa": ordered,
                "charts": charts_of_page,
                "mean": mean_or_none([d.index for d in ordered]),
            }
        )
    return render_template_pdf(
        "reports/kabupaten.html",
        report=report,
        charts=charts,
        kecamatan_pages=kecamatan_pages,
        mean=mean_or_none(indices),
        median=median_or_none(indices),
        predikat=predikat,
        generated_label=generated_label,
        generated_at=generated_at,
        aspect_headers=headers,
        kecamatan_rows=kecamatan_rows,
    )


def ranked(desa: Sequence[DesaResult]) -> list[DesaResult]:
    """Desa in the published order: rank, then code."""
    return sorted(desa, key=lambda d: (d.rank, d.code))
