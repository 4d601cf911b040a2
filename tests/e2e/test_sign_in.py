"""Signing in through the browser: each role lands on its own dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD


@pytest.fixture
def login_url(live_server):
    return f"{live_server.url}/accounts/login/"


@pytest.fixture
def home_url(live_server):
    return f"{live_server.url}/"


def sign_in(page, login_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(login_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_procurement_manager_signs_in_and_sees_the_client_dashboard(page, demo_data, login_url, home_url, screenshot):
    page.goto(login_url)
    expect(page.get_by_role("heading", name="Sign in to KPO Match")).to_be_visible()
    screenshot(page, "login")

    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(home_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")
    open_requirements = page.locator("section.card").filter(has=page.get_by_role("heading", name="Open requirements"))
    expect(open_requirements).to_be_visible()
    expect(open_requirements.get_by_role("cell", name="GDPR contract review backlog")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Giulia Rossi")
    screenshot(page, "dashboard-manager")


def test_a_vendor_member_signs_in_and_sees_the_vendor_dashboard(page, demo_data, login_url, home_url, screenshot):
    sign_in(page, login_url, "vendor")

    expect(page).to_have_url(home_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lumen Insight Partners")
    expect(page.get_by_role("heading", name="Proposed engagements")).to_be_visible()
    screenshot(page, "dashboard-vendor")


def test_staff_signs_in_sees_operations_and_opens_the_admin_vendor_list(
    page, demo_data, live_server, login_url, home_url, screenshot
):
    sign_in(page, login_url, "staff")

    expect(page).to_have_url(home_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform operations")
    screenshot(page, "dashboard-staff")

    page.goto(f"{live_server.url}/admin/vendors/vendor/")
    expect(page).to_have_title(re.compile("vendor", re.IGNORECASE))
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    expect(page.locator("#result_list")).to_contain_text("Lumen Insight Partners")
    screenshot(page, "admin-vendors")


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page, demo_data, login_url):
    sign_in(page, login_url, "manager", password="not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(page).to_have_url(login_url)
    expect(page.get_by_role("heading", name="Sign in to KPO Match")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_signing_out_returns_to_the_login_page_and_protects_the_dashboard(page, demo_data, login_url, home_url):
    sign_in(page, login_url, "manager")
    expect(page.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(login_url)
    expect(page.get_by_role("heading", name="Sign in to KPO Match")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto(home_url)
    expect(page).to_have_url(re.compile(re.escape(login_url) + r"\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in to KPO Match")).to_be_visible()


def test_the_login_form_can_be_completed_with_the_keyboard_alone(page, demo_data, login_url, home_url):
    page.goto(login_url)
    username = page.get_by_label("Username")
    username.focus()
    expect(username).to_be_focused()
    page.keyboard.type("manager")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(home_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Banca Aurora S.p.A.")
