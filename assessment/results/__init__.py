"""Results pages (issue 6): rankings per region, why-this-rank per desa, results workbook, offline scoring, PDFs."""
