"""Switching the interface to Italian with the footer's language form, in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD


@pytest.fixture
def home_url(live_server):
    return f"{live_server.url}/"


def test_a_procurement_manager_switches_the_dashboard_to_italian(page, demo_data, live_server, home_url, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(home_url)

    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Language").select_option(label="Italiano")
    footer.get_by_role("button", name="Change").click()

    expect(page).to_have_url(home_url)
    expect(page.locator("html")).to_have_attribute("lang", "it")
    head = page.locator(".page-head")
    expect(head.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")
    expect(head).to_contain_text("Italia · valuta di lavoro EUR")
    expect(head.get_by_role("link", name="+ Nuovo requisito")).to_be_visible()
    expect(page.get_by_role("heading", name="Requisiti aperti")).to_be_visible()
    expect(page.get_by_role("navigation", name="Principale").get_by_role("link", name="Fornitori")).to_be_visible()
    expect(page.get_by_role("button", name="Esci")).to_be_visible()
    expect(footer.get_by_label("Lingua")).to_have_value("it")
    screenshot(page, "dashboard-manager-it")

    footer.get_by_label("Lingua").select_option(label="English")
    footer.get_by_role("button", name="Cambia").click()
    expect(page.get_by_role("heading", name="Open requirements")).to_be_visible()
