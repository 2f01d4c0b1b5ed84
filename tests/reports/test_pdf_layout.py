"""Every PDF the app makes is laid out for paper (issue 13, point 6), at its realistic worst case
(tests/support/paper.py): no table row is split across pages, no text lies off the page or is cut at the edge of
its box (a chart label), the header row repeats on each page of a table, wide tables get landscape pages, each
page says "Halaman X dari Y" (and, on a berita acara, its verification code), and numbers are written the
Indonesian way (the rows are looked up with their values formatted as 43,00)."""

from __future__ import annotations

import io
import time

import pytest
from flask import Flask
from pypdf import PdfReader
from weasyprint import HTML

from assessment.presentation.numbers import format_number
from assessment.presentation.pdf import (
    CHART_BARS_PER_PAGE,
    certificate_pdf,
    estimated_text_width,
    fit_label,
    render_template_pdf,
    svg_bar_chart,
    svg_bar_charts,
)
from assessment.presentation.reportdata import ResultsReport
from assessment.results.reports import kabupaten_pdf
from tests.support import paper
from tests.support.pdf_layout import misplaced_text, page_texts, split_rows

SQUEEZE = str.maketrans("", "", " \n")


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _tall_rows_html(css: str) -> str:
    rows = "".join(
        f"<tr><td>BARIS{n:02d}</td><td>{'isi sel yang panjang ' * 40}AKHIR{n:02d}</td></tr>" for n in range(12)
    )
    return (
        f"<style>@page {{ size: A4; margin: 2cm }} table {{ width: 100% }} {css}</style>"
        f"<table><thead><tr><th>Kode</th><th>Isi</th></tr></thead><tbody>{rows}</tbody></table>"
    )


ROWS = [(f"BARIS{n:02d}", f"AKHIR{n:02d}") for n in range(12)]


def test_the_checker_finds_a_row_split_across_two_pages() -> None:
    pdf = HTML(string=_tall_rows_html("tr { break-inside: auto }")).write_pdf()
    problems = split_rows(pdf, ROWS)
    assert problems, "tall rows laid out without break-inside: avoid must split somewhere"
    assert all("tidak utuh" in problem for problem in problems)


def test_the_checker_passes_rows_that_move_whole_to_the_next_page() -> None:
    pdf = HTML(string=_tall_rows_html("tr { break-inside: avoid }")).write_pdf()
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 1
    assert split_rows(pdf, ROWS) == []
    assert misplaced_text(pdf) == []


def test_the_checker_finds_text_past_the_page_edge_and_text_cut_by_its_box() -> None:
    wide = "<p style='white-space: nowrap'>" + "kolom " * 40 + "</p>"
    off = "<p style='margin-left: -4cm'>di luar</p>"
    clipped = (
        '<svg width="200" height="40" viewBox="0 0 200 40" style="margin-left: 3cm">'
        '<text x="-60" y="20">Label yang terpotong</text></svg>'
    )
    pdf = HTML(string=f"<style>@page {{ size: A4; margin: 2cm }}</style>{wide}{off}{clipped}").write_pdf()
    problems = misplaced_text(pdf)
    assert any("kolom" in p and "keluar dari halaman" in p for p in problems)
    assert any("di luar" in p and "keluar dari halaman" in p for p in problems)
    assert any("terpotong" in p for p in problems)
    fine = HTML(string="<style>@page { size: A4; margin: 2cm }</style><p>kolom kolom</p>").write_pdf()
    assert misplaced_text(fine) == []


def test_a_chart_label_too_long_for_its_room_is_shortened_with_an_ellipsis_and_drawn_whole() -> None:
    long_name = "Sumber Sari Makmur Sejahtera Satuan Permukiman Transmigrasi Dua"
    assert fit_label("Sepaku", 200, 12) == "Sepaku"
    shortened = fit_label(long_name, 200, 12)
    assert shortened.endswith("…") and long_name.startswith(shortened[:-1])
    assert estimated_text_width(shortened, 12) <= 200
    chart = svg_bar_chart(
        ["Sepaku", long_name, "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"],
        [43.0, 100.0, None],
        title="Indeks desa di Kecamatan " + long_name,
        maximum=100,
    )
    pdf = HTML(string=f"<style>@page {{ size: A4; margin: 2cm }}</style><div>{chart}</div>").write_pdf()
    assert misplaced_text(pdf) == []
    text = page_texts(pdf)[0]
    assert "43,00" in text and "100,00" in text


def test_a_chart_with_more_bars_than_a_page_holds_is_cut_into_parts_each_on_paper() -> None:
    labels = [f"Kecamatan {n:03d}" for n in range(2 * CHART_BARS_PER_PAGE + 3)]
    charts = svg_bar_charts(labels, [float(n) for n in range(len(labels))], title="Rata-rata indeks", maximum=100)
    assert len(charts) == 3 and "Rata-rata indeks (3/3)" in charts[2]
    assert len(svg_bar_charts(labels[:3], [1.0, 2.0, 3.0], title="Tiga")) == 1
    css = "@page { size: A4 landscape; margin: 1.5cm 2cm 2cm } .chart { break-inside: avoid }"
    body = "".join(f'<div class="chart">{chart}</div>' for chart in charts)
    pdf = HTML(string=f"<style>{css}</style><h2>Judul</h2>{body}").write_pdf()
    assert misplaced_text(pdf) == []
    assert all(_squeezed(label) in "".join(page_texts(pdf)) for label in labels)


def _footer_on_every_page(pdf: bytes, code: str | None = None) -> None:
    pages = page_texts(pdf)
    for number, text in enumerate(pages, start=1):
        assert f"Halaman{number}dari{len(pages)}" in text
        if code:
            assert f"Kodeverifikasi{code}" in text


def _report_rows(report: ResultsReport) -> list[tuple[str, ...]]:
    ranking = [(d.code, d.name, d.kecamatan, format_number(d.index, 2), d.predikat) for d in report.desa]
    unranked = [
        (u.code, u.name, u.kecamatan, f"(akhir {u.code})" if u.reason else u.kecamatan) for u in report.unranked
    ]
    kecamatan = [(d.name, format_number(d.index, 2), *(format_number(v, 2) for v in d.aspects)) for d in report.desa]
    return ranking + unranked + kecamatan


def _check_report(report: ResultsReport) -> bytes:
    pdf = kabupaten_pdf(report, None, "30 November 2026 10.00 WITA")  # type: ignore[arg-type]
    assert misplaced_text(pdf) == []
    assert split_rows(pdf, _report_rows(report)) == []
    reader = PdfReader(io.BytesIO(pdf))
    pages = page_texts(pdf)
    header = _squeezed("Peringkat Desa Kecamatan Indeks Predikat")
    for text, page in zip(pages, reader.pages, strict=True):
        if any(_squeezed(d.code) in text and _squeezed(d.kecamatan) in text for d in report.desa[:3]):
            assert header in text  # the ranking's first page
        landscape = float(page.mediabox.width) > float(page.mediabox.height)
        # A kecamatan page holds its charts ("Indeks desa di Kecamatan ...") or its table, whose header has the
        # index right after the desa (the ranking's header has the kecamatan in between); that header's words
        # may be hyphenated ("Pering‐kat").
        kecamatan_page = "IndeksdesadiKecamatan" in text or "PeringkatDesaIndeksPredikat" in text.replace("\u2010", "")
        assert landscape == kecamatan_page, text[:120]
    ranking_pages = [
        text for text in pages if any(d.code in text and format_number(d.index, 2) in text for d in report.desa)
    ]
    assert len(ranking_pages) >= 2 and all(header in text for text in ranking_pages)  # the header repeats
    _footer_on_every_page(pdf)
    return pdf


def test_the_kabupaten_report_keeps_rows_whole_text_on_paper_and_kecamatan_tables_landscape(app: Flask) -> None:
    report = paper.results_report("64.09", unranked=6)
    pdf = _check_report(report)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 8


@pytest.mark.slow
def test_the_province_report_of_841_desa_keeps_rows_whole_and_text_on_paper(app: Flask) -> None:
    report = paper.results_report("64")
    assert len(report.desa) + len(report.unranked) == len(paper.kaltim_desa()) >= 800
    started = time.perf_counter()
    _check_report(report)
    assert time.perf_counter() - started < 600  # a bound for a shared test machine, not a benchmark


def test_a_penilaian_dokumen_berita_acara_keeps_each_indicator_with_its_reason_on_one_page(app: Flask) -> None:
    context = paper.desk_context()
    pdf = render_template_pdf("reports/berita_acara_penilaian_dokumen.html", **context)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 4
    assert misplaced_text(pdf) == []
    rows = [
        (
            f"{code} {name}",
            *levels,
            agreed or "-",
            *((f"Alasan rekonsiliasi {code}:", f"(akhir {code})") if reason else ()),
        )
        for code, name, levels, agreed, reason in context["record"].indicators
    ]
    assert split_rows(pdf, rows) == []
    _footer_on_every_page(pdf, context["kode"])


def test_a_klarifikasi_lapangan_berita_acara_keeps_each_indicator_with_its_note_on_one_page(app: Flask) -> None:
    context = paper.field_context()
    pdf = render_template_pdf("reports/berita_acara_klarifikasi_lapangan.html", **context)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 4
    assert misplaced_text(pdf) == []
    rows = [
        (f"{code} {name}", before, level, str(photos), f"Catatan {code}:", note[-14:])
        for code, name, before, level, note, photos in context["record"].indicators
    ]
    assert split_rows(pdf, rows) == []
    _footer_on_every_page(pdf, context["kode"])


@pytest.mark.slow
def test_the_plenary_berita_acara_of_841_desa_keeps_rows_whole_and_text_on_paper(app: Flask) -> None:
    context = paper.pleno_context()
    pdf = render_template_pdf("reports/berita_acara_pleno.html", **context)
    assert misplaced_text(pdf) == []
    rows = [(row["kode"], row["nama"], format_number(row["indeks"], 2), row["predikat"]) for row in context["ranking"]]
    rows += [
        (row["kode"], row["nama"], f"(akhir {row['kode']})" if row["alasan"] else row["kode"])
        for row in context["unranked"]
    ]
    rows += [(f"{n}. {member.name}",) for n, member in enumerate(context["members"], start=1)]
    assert split_rows(pdf, rows) == []
    pages = page_texts(pdf)
    assert len(pages) >= 20
    assert all(_squeezed("Peringkat Desa Kode Indeks Predikat") in text for text in pages[:15])
    _footer_on_every_page(pdf, context["kode"])


def test_invitation_letters_are_one_page_each_with_the_whole_link_on_paper(app: Flask) -> None:
    pages = paper.letter_pages()
    pdf = render_template_pdf("reports/undangan.html", pages=pages)
    texts = page_texts(pdf)
    assert len(texts) == len(pages)
    for text, page in zip(texts, pages, strict=True):
        assert _squeezed(page["user"].name) in text and page["url"] in text and _squeezed(page["user"].email) in text
    assert misplaced_text(pdf) == []


def test_a_certificate_with_a_long_desa_name_stays_one_page_with_its_text_on_paper(app: Flask) -> None:
    desa = paper.certificate_desa()
    url = "https://lomba-desa-digital.kaltimprov.go.id/verifikasi/piagam/" + paper.HASH
    pdf = certificate_pdf(desa, "Lomba Desa Digital Provinsi Kalimantan Timur Tahun 2026", url)
    texts = page_texts(pdf)
    assert len(texts) == 1
    assert _squeezed(desa.name) in texts[0] and "100,00" in texts[0] and url in texts[0]
    assert misplaced_text(pdf) == []


def test_a_ranked_desa_with_index_zero_shows_0_00_on_the_plenary_berita_acara(app: Flask) -> None:
    context = paper.pleno_context()
    last = {**context["ranking"][-1], "indeks": 0.0, "predikat": "Kurang", "kode": "64.09.04.2099"}
    context.update(ranking=[*context["ranking"][:2], last], unranked=[], members=context["members"][:2])
    text = "".join(page_texts(render_template_pdf("reports/berita_acara_pleno.html", **context)))
    assert "64.09.04.20990,00Kurang" in text  # a zero is a score, not a missing one ("–")
