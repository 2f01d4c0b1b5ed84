"""Guard rail: every page and action except the public ones sends an anonymous visitor to the login page."""

from __future__ import annotations

from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

# Pages anyone may open without signing in.
PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.set_language",
    "auth.login",
    "auth.logout",
    # The chart library and the labelled example page with made-up regions carry no competition data.
    "charts.plotly_js",
    "charts.example",
    "charts.example_geojson",
    # The public verification page of a final snapshot or berita acara (anyone checks a document there).
    "publication.verify",
    "publication.snapshot_json",
    "publication.check",
    # Results become public once the committee publishes them (tests/web/test_results_pages.py).
    "results.index",
    "results.ranking",
    "results.why",
    # An account invitation link: its owner has no password yet (tests/web/test_accounts_import.py).
    "invitations.accept",
    "invitations.forgot_password",
    # The front door's field that leads to a document's public verification page.
    "main.check_code",
}


def _sample_url(app: Flask, rule: Rule) -> str:
    """A URL for ``rule`` with placeholder arguments (1 for numbers, ``A1`` for text)."""
    converters = rule._converters  # Werkzeug keeps the argument converters here (no public accessor)
    values = {name: 1 if isinstance(converter, IntegerConverter) else "A1" for name, converter in converters.items()}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_non_public_route_sends_anonymous_visitors_to_login(app: Flask, client: FlaskClient) -> None:
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _sample_url(app, rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/masuk"), (method, url)
            checked.append(rule.endpoint)
    # The committee's, the operators' and the verifikators' pages are all among them.
    assert {"competitions.upload_rubric", "main.home"} <= set(checked)
    assert any(endpoint.startswith("desa.") for endpoint in checked)
    assert any(endpoint.startswith("review.") for endpoint in checked)
