"""The requirement pages of the procurement manager: list, create, detail,
edit. Scoped to the manager's organization; bad input shows errors at the
field and changes nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from engagements.models import MatchRun, Requirement, RequirementSkill
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import (
    ClientMembershipFactory,
    RequirementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    """A valid POST of the requirement form with two skill rows."""
    data = {
        "title": "Month-end close support",
        "description": "Close the books every month.",
        "domain": "finance",
        "seniority": "senior",
        "selection_method": "",
        "location_classes": ["onshore", "nearshore", "offshore"],
        "preferred_location_classes": ["nearshore"],
        "excluded_countries": ["RU"],
        "languages": ["en", "it"],
        "min_timezone_overlap_hours": "3",
        "required_certifications": ["iso_27001"],
        "confidentiality": "high",
        "budget_hourly_rate": "55.00",
        "currency": "EUR",
        "estimated_hours": "800",
        "fte_needed": "2",
        "start_date": "2026-12-07",
        "skills-TOTAL_FORMS": "2",
        "skills-INITIAL_FORMS": "0",
        "skills-MIN_NUM_FORMS": "1",
        "skills-MAX_NUM_FORMS": "40",
        "skills-0-skill": "Financial reporting (IFRS / US GAAP)",
        "skills-0-min_proficiency": "4",
        "skills-0-weight": "3",
        "skills-0-must_have": "on",
        "skills-1-skill": "audit-support",
        "skills-1-min_proficiency": "3",
        "skills-1-weight": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def manager(owner, client):
    client.force_login(owner)
    return owner


# -- who may see what ----------------------------------------------------------------


def page_urls(requirement) -> list[str]:
    return [
        reverse("requirements:list"),
        reverse("requirements:create"),
        reverse("requirements:detail", args=[requirement.pk]),
        reverse("requirements:edit", args=[requirement.pk]),
        reverse("requirements:delete", args=[requirement.pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, owner):
    requirement = requirement_for(owner)
    for url in page_urls(requirement):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["vendor_member", "staff_user"])
def test_vendor_members_and_staff_without_an_organization_get_404(client, owner, who, request):
    requirement = requirement_for(owner)
    client.force_login(request.getfixturevalue(who))
    for url in page_urls(requirement):
        assert client.get(url).status_code == 404, url


def test_it_hides_another_organizations_requirement(client, owner, outsider):
    requirement = requirement_for(owner)
    client.force_login(outsider)
    assert client.get(reverse("requirements:detail", args=[requirement.pk])).status_code == 404
    assert client.get(reverse("requirements:edit", args=[requirement.pk])).status_code == 404
    response = client.post(reverse("requirements:edit", args=[requirement.pk]), form_data(title="Hijacked"))
    assert response.status_code == 404
    requirement.refresh_from_db()
    assert requirement.title != "Hijacked"
    assert requirement.title not in client.get(reverse("requirements:list")).content.decode()


def test_a_staff_member_of_a_client_sees_only_that_clients_requirements(client, owner, outsider):
    staff_manager = UserFactory(is_staff=True)
    ClientMembershipFactory(user=staff_manager, client=outsider.membership.client)
    requirement = requirement_for(owner)
    client.force_login(staff_manager)
    assert client.get(reverse("requirements:detail", args=[requirement.pk])).status_code == 404


# -- list -----------------------------------------------------------------------------


def test_the_list_shows_the_organizations_requirements_with_links(
    client, manager, outsider, django_assert_max_num_queries
):
    mine = [requirement_for(manager, title=f"Mine {i}") for i in range(6)]
    succeeded_run(mine[0])
    requirement_for(outsider, title="Theirs")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("requirements:list"))
    html = response.content.decode()
    for requirement in mine:
        assert reverse("requirements:detail", args=[requirement.pk]) in html
    assert "Theirs" not in html


def test_the_list_query_count_does_not_grow_with_rows(client, manager, django_assert_num_queries):
    requirement_for(manager)
    with django_assert_num_queries(4) as few:
        client.get(reverse("requirements:list"))
    for i in range(8):
        succeeded_run(requirement_for(manager, title=f"More {i}"), count=1)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("requirements:list"))


def test_the_list_filters_by_status(client, manager):
    requirement_for(manager, title="Still open")
    requirement_for(manager, title="All done", status="closed")
    html = client.get(reverse("requirements:list"), {"status": "closed"}).content.decode()
    assert "All done" in html and "Still open" not in html


# -- create -----------------------------------------------------------------------------


def test_the_form_offers_the_taxonomy_and_defaults_to_the_organizations_currency(client, manager):
    manager.membership.client.currency = "GBP"
    manager.membership.client.save()
    response = client.get(reverse("requirements:create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<datalist id="skill-options">' in html
    assert 'value="Financial reporting (IFRS / US GAAP)" label="Finance &amp; accounting"' in html
    assert '<option value="GBP" selected>' in html
    assert 'id="skill-row-template"' in html and "skills-__prefix__-skill" in html
    assert 'id="method-data"' in html and "quality_cost_80_20" in html
    assert reverse("help", args=["scoring"]) in html


def test_a_manager_creates_a_requirement_through_the_form(client, manager):
    response = client.post(reverse("requirements:create"), form_data())
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requirements:detail", args=[requirement.pk])
    assert requirement.client == manager.membership.client
    assert requirement.created_by == manager
    assert requirement.selection_method == "balanced"  # the finance default, nothing chosen
    assert requirement.weights == {}
    assert requirement.languages == ["en", "it"]
    assert requirement.excluded_countries == ["RU"]
    assert requirement.preferred_location_classes == ["nearshore"]
    assert requirement.min_timezone_overlap_hours == Decimal("3")
    assert list(requirement.required_certifications.values_list("code", flat=True)) == ["iso_27001"]
    rows = {
        row.skill.code: (row.min_proficiency, row.weight, row.must_have)
        for row in requirement.requirement_skills.select_related("skill")
    }
    assert rows == {
        "financial-reporting": (4, Decimal("3"), True),
        "audit-support": (3, Decimal("1"), False),
    }


def test_the_domain_default_method_applies_unless_another_is_chosen(client, manager):
    client.post(
        reverse("requirements:create"),
        form_data(domain="legal", **{"skills-0-skill": "contract-review", "skills-TOTAL_FORMS": "1"}),
    )
    assert Requirement.objects.get().selection_method == "quality_cost_80_20"
    client.post(reverse("requirements:create"), form_data(selection_method="least_cost", title="Cheap"))
    assert Requirement.objects.get(title="Cheap").selection_method == "least_cost"


def test_explicit_weights_are_stored_and_empty_boxes_keep_the_methods(client, manager):
    client.post(reverse("requirements:create"), form_data(weight_cost="50", weight_quality="0"))
    assert Requirement.objects.get().weights == {"cost": 50.0, "quality": 0.0}


def test_a_removed_skill_row_is_not_saved(client, manager):
    client.post(reverse("requirements:create"), form_data(**{"skills-1-DELETE": "on", "skills-1-skill": ""}))
    assert list(RequirementSkill.objects.values_list("skill__code", flat=True)) == ["financial-reporting"]


def test_an_untouched_extra_row_is_ignored(client, manager):
    data = form_data(
        **{"skills-TOTAL_FORMS": "3", "skills-2-skill": "", "skills-2-min_proficiency": "3", "skills-2-weight": "1"}
    )
    assert client.post(reverse("requirements:create"), data).status_code == 302
    assert RequirementSkill.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"skills-0-DELETE": "on", "skills-1-DELETE": "on"},
            "Add at least one required skill.",
        ),
        ({"skills-1-skill": "financial-reporting"}, "A skill may appear only once"),
        ({"skills-1-skill": "Underwater basket weaving"}, "Choose a skill from the list."),
        ({"skills-0-min_proficiency": "6"}, "Select a valid choice"),
        ({"skills-0-weight": "0"}, "greater than or equal to 0.01"),
        ({"budget_hourly_rate": "0"}, "greater than or equal to 0.01"),
        ({"budget_hourly_rate": "-5"}, "greater than or equal to 0.01"),
        ({"currency": "XAF"}, "Select a valid choice"),
        ({"min_timezone_overlap_hours": "25"}, "less than or equal to 24"),
        ({"min_timezone_overlap_hours": "-1"}, "greater than or equal to 0"),
        (
            {
                "weight_expertise": "0",
                "weight_cost": "0",
                "weight_location": "0",
                "weight_quality": "0",
                "weight_capacity": "0",
            },
            "The weights cannot all be zero",
        ),
        ({"weight_cost": "101"}, "less than or equal to 100"),
        (
            {"location_classes": ["offshore"], "preferred_location_classes": ["onshore"]},
            "Preferred classes must be among",
        ),
        ({"location_classes": None}, "Allow at least one location class."),
        ({"excluded_countries": ["XX"]}, "Select a valid choice"),
        ({"languages": ["zz"]}, "Select a valid choice"),
        ({"estimated_hours": "0"}, "greater than or equal to 1"),
        ({"fte_needed": "0"}, "greater than or equal to 0.1"),
        ({"title": ""}, "This field is required."),
        ({"domain": "astrology"}, "Select a valid choice"),
    ],
)
def test_invalid_input_shows_the_error_and_creates_nothing(client, manager, overrides, error):
    response = client.post(reverse("requirements:create"), form_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "Nothing was saved yet" in html
    assert not Requirement.objects.exists()
    assert not RequirementSkill.objects.exists()


def test_a_currency_without_an_exchange_rate_is_refused_even_if_posted(client, manager):
    from engagements.requirements.forms import RequirementForm

    form = RequirementForm(form_data(currency="XAF"), client=manager.membership.client)
    form.fields["currency"].choices = [("XAF", "XAF")]  # a tampered or stale choice list
    assert not form.is_valid()
    assert "No exchange rate for XAF" in str(form.errors["currency"])


def test_the_form_keeps_what_was_typed_after_an_error(client, manager):
    html = client.post(reverse("requirements:create"), form_data(budget_hourly_rate="0")).content.decode()
    assert 'value="Month-end close support"' in html
    assert 'value="Financial reporting (IFRS / US GAAP)"' in html
    assert 'aria-invalid="true"' in html


# -- detail and edit ------------------------------------------------------------------


def test_the_detail_page_shows_the_requirement_its_runs_and_the_run_button(client, manager):
    requirement = requirement_for(manager, title="Treasury support")
    first, second = succeeded_run(requirement), succeeded_run(requirement)
    html = client.get(reverse("requirements:detail", args=[requirement.pk])).content.decode()
    assert "Treasury support" in html
    assert "Financial reporting (IFRS / US GAAP)" in html
    assert f'action="{reverse("requirements:run_start", args=[requirement.pk])}"' in html
    assert "csrfmiddlewaretoken" in html
    for run in (first, second):
        assert reverse("requirements:run", args=[requirement.pk, run.pk]) in html
    assert reverse("help", args=["scoring"]) in html


def test_the_detail_page_says_why_a_requirement_cannot_be_matched(client, manager):
    requirement = RequirementFactory(client=manager.membership.client, status="closed")
    html = client.get(reverse("requirements:detail", args=[requirement.pk])).content.decode()
    assert "cannot be matched yet" in html
    assert "Add at least one required skill." in html
    assert "A closed requirement cannot be matched." in html


def test_the_edit_form_starts_from_the_saved_values(client, manager):
    requirement = requirement_for(manager, title="Payroll", weights={"cost": 40})
    html = client.get(reverse("requirements:edit", args=[requirement.pk])).content.decode()
    assert 'value="Payroll"' in html
    assert 'value="Financial reporting (IFRS / US GAAP)"' in html
    assert 'name="skills-INITIAL_FORMS" value="1"' in html
    assert 'name="weight_cost" id="id_weight_cost" value="40"' in html


def test_editing_replaces_the_fields_and_the_skills(client, manager):
    requirement = requirement_for(manager, title="Payroll")
    data = form_data(
        title="Payroll and tax",
        status="draft",
        **{"skills-INITIAL_FORMS": "1", "skills-0-skill": "payroll", "skills-1-skill": "tax-compliance"},
    )
    response = client.post(reverse("requirements:edit", args=[requirement.pk]), data)
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.title, requirement.status) == ("Payroll and tax", "draft")
    assert set(requirement.requirement_skills.values_list("skill__code", flat=True)) == {"payroll", "tax-compliance"}


def test_an_invalid_edit_changes_nothing(client, manager):
    requirement = requirement_for(manager, title="Payroll")
    data = form_data(
        title="Changed", status="open", **{"skills-INITIAL_FORMS": "1", "skills-1-skill": "financial-reporting"}
    )
    response = client.post(reverse("requirements:edit", args=[requirement.pk]), data)
    assert response.status_code == 200
    requirement.refresh_from_db()
    assert requirement.title == "Payroll"
    assert list(requirement.requirement_skills.values_list("skill__code", flat=True)) == ["financial-reporting"]


def test_writes_need_the_csrf_token(owner):
    requirement = requirement_for(owner)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(reverse("requirements:create"), form_data()).status_code == 403
    assert browser.post(reverse("requirements:edit", args=[requirement.pk]), form_data()).status_code == 403
    assert Requirement.objects.count() == 1


def test_the_api_services_still_create_requirements(owner):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(owner)
    payload = {
        "title": "API made",
        "domain": "finance",
        "skills": [{"skill": "financial-reporting"}],
        "budget_hourly_rate": "50",
        "currency": "EUR",
        "estimated_hours": 10,
        "fte_needed": "1",
    }
    assert api.post("/api/v1/requirements/", payload, format="json").status_code == 201


# -- delete --------------------------------------------------------------------------------


def test_a_manager_deletes_a_requirement_after_confirming(client, manager):
    requirement = requirement_for(manager)
    run = succeeded_run(requirement)
    detail = client.get(reverse("requirements:detail", args=[requirement.pk])).content.decode()
    delete_url = reverse("requirements:delete", args=[requirement.pk])
    assert f'href="{delete_url}"' in detail

    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert "its 1 match run will be deleted" in confirm.content.decode()
    assert Requirement.objects.filter(pk=requirement.pk).exists()  # a GET deletes nothing

    response = client.post(delete_url, follow=True)
    assert response.redirect_chain == [(reverse("requirements:list"), 302)]
    assert f"Requirement “{requirement.title}” deleted." in response.content.decode()
    assert not Requirement.objects.filter(pk=requirement.pk).exists()
    assert not MatchRun.objects.filter(pk=run.pk).exists()
    never_run = requirement_for(manager)
    text = client.get(reverse("requirements:delete", args=[never_run.pk])).content.decode()
    assert "The requirement will be deleted, for good." in text and "0 match runs" not in text


def test_a_requirement_with_an_engagement_is_not_deleted_and_the_page_says_why(client, manager):
    requirement = requirement_for(manager)
    engagement_for(succeeded_run(requirement).results.first())
    delete_url = reverse("requirements:delete", args=[requirement.pk])

    confirm = client.get(delete_url).content.decode()
    assert "set its status to cancelled instead" in confirm
    assert "Delete the requirement" not in confirm  # no button to press
    response = client.post(delete_url)
    assert response.status_code == 409
    assert "set its status to cancelled instead" in response.content.decode()
    assert Requirement.objects.filter(pk=requirement.pk).exists()


def test_another_organizations_requirement_cannot_be_deleted(client, owner, outsider):
    requirement = requirement_for(owner)
    client.force_login(outsider)
    delete_url = reverse("requirements:delete", args=[requirement.pk])
    assert client.get(delete_url).status_code == 404
    assert client.post(delete_url).status_code == 404
    assert Requirement.objects.filter(pk=requirement.pk).exists()
