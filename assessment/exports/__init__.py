"""Spreadsheet exports: report data -> (headers, rows) -> xlsx, and the assessor's offline scoring workbook."""
