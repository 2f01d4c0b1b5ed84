"""What people see of the results: numbers, report data, figures, PDFs, maps, navigation."""
