"""Charts: plotly.js served from the installed package (no CDN), the template filters, and an example page."""
