def test_how_scores_work_is_a_page_of_the_app(client):
    response = client.get("/help/scoring/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "How scores work" in html
    assert "<table>" in html  # markdown tables are rendered
    assert "domain_not_covered" in html


def test_every_page_links_to_how_scores_work(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/help/scoring/"' in html


def test_an_unknown_help_page_is_404(client):
    assert client.get("/help/nonsense/").status_code == 404
