def test_how_scores_work_is_a_page_of_the_app(client):
    response = client.get("/help/scoring/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "How scores work" in html
    guide, appendix = html.split('id="appendix-heading"', 1)
    assert "How KPO Match ranks vendors: a guide for buyers" in guide  # written for buyers first
    assert "ratio = rate / budget" not in guide  # no formula in the guide
    assert "Appendix: the formulas" in appendix and "The technical reference is in English." not in appendix
    assert "<table>" in appendix  # markdown tables are rendered
    assert "domain_not_covered" in appendix


def test_every_guide_has_a_version_in_each_language_of_the_site(settings):
    from kpo.help import PAGES

    for page in PAGES:
        for code, _name in settings.LANGUAGES:
            assert (settings.BASE_DIR / "docs" / "guide" / f"{page}.{code}.md").exists(), (page, code)


def test_every_page_links_to_how_scores_work(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/help/scoring/"' in html


def test_an_unknown_help_page_is_404(client):
    assert client.get("/help/nonsense/").status_code == 404
