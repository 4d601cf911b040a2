"""What each caller may change (engagements/access/visibility.py, `*_editable_by` and
`editable`): the SQL and Python forms of every edit rule agree on every row, changing is
never wider than seeing, and the rules say what the pages and API enforce (a firm's admins
manage its team, an editor does not; a client's managers change their organization's own;
staff read those but do not write them; each party acts on its engagements)."""

from __future__ import annotations

import pytest

from engagements.access.visibility import EDIT_RULES, EDITABLE_BY, VISIBLE_TO, editable, engagements_editable_by
from engagements.models import Engagement, Membership, Rfp, Role, WebhookEndpoint
from kpo.access import Caller
from tests.engagements.access.test_visibility import callers, world  # noqa: F401  (the shared data set)
from tests.factories import UserFactory


@pytest.fixture
def team_world(world):  # noqa: F811
    """The visibility data set plus an editor in a firm that has an admin (returned)."""
    admin = Membership.objects.filter(vendor__isnull=False, role=Role.ADMIN).first()
    return Membership.objects.create(user=UserFactory(), vendor=admin.vendor, role=Role.EDITOR)


def every_edit_rule_has_its_selector_and_both_forms_agree_on_every_row(team_world):
    assert set(EDITABLE_BY) == set(EDIT_RULES)
    problems = []
    for label, caller in callers():
        for model, rule in EDITABLE_BY.items():
            in_sql = set(rule(caller).values_list("pk", flat=True))
            in_python = {row.pk for row in model._default_manager.all() if editable(caller, row)}
            if in_sql != in_python:
                problems.append(f"{model.__name__} for {label}: {len(in_sql)} in SQL, {len(in_python)} in Python")
            beyond = in_sql - set(VISIBLE_TO[model](caller).values_list("pk", flat=True))
            if beyond:
                problems.append(f"{model.__name__} for {label}: {len(beyond)} editable but not visible")
    assert problems == []


def each_party_acts_on_its_engagements_as_that_party_only(team_world):
    for label, caller in callers():
        for parties in (("client",), ("vendor",), ("client", "vendor")):
            in_sql = set(engagements_editable_by(caller, parties=parties).values_list("pk", flat=True))
            in_python = {e.pk for e in Engagement.objects.all() if editable(caller, e, parties=parties)}
            assert in_sql == in_python, (label, parties)
    engagement = Engagement.objects.first()
    client_manager = Membership.objects.filter(client_id=engagement.client_id).first()
    vendor_member = Membership.objects.filter(vendor_id=engagement.vendor_id).first()
    as_client = Caller.build(client_manager.user, client_manager)
    as_vendor = Caller.build(vendor_member.user, vendor_member)
    assert editable(as_client, engagement, parties=("client",))
    assert not editable(as_client, engagement, parties=("vendor",))
    assert editable(as_vendor, engagement, parties=("vendor",))
    assert not editable(as_vendor, engagement, parties=("client",))
    assert editable(Caller.build(UserFactory(is_staff=True), None), engagement, parties=("vendor",))


def a_firms_admins_manage_its_team_and_an_editor_does_not(team_world):
    editor = team_world
    admin = Membership.objects.filter(vendor_id=editor.vendor_id, role=Role.ADMIN).first()
    as_admin, as_editor = Caller.build(admin.user, admin), Caller.build(editor.user, editor)

    team = set(Membership.objects.filter(vendor_id=editor.vendor_id).values_list("pk", flat=True))
    assert set(EDITABLE_BY[Membership](as_admin).values_list("pk", flat=True)) == team
    assert EDITABLE_BY[Membership](as_editor).count() == 0
    assert set(VISIBLE_TO[Membership](as_editor).values_list("pk", flat=True)) == team  # sees, does not change
    assert editable(as_admin, editor) and not editable(as_editor, admin)


def a_clients_own_rows_are_changed_by_its_managers_only_and_staff_only_read_them(team_world):
    staff = Caller.build(UserFactory(is_staff=True), None)
    for model in (Rfp, WebhookEndpoint):
        row = model.objects.first()
        manager = Membership.objects.filter(client_id=row.client_id).first()
        other = Membership.objects.filter(client__isnull=False).exclude(client_id=row.client_id).first()
        assert editable(Caller.build(manager.user, manager), row)
        assert not editable(Caller.build(other.user, other), row)
        assert not editable(staff, row)
        assert VISIBLE_TO[model](staff).filter(pk=row.pk).exists()


def test_the_edit_rules_on_one_data_set(team_world):
    """The checks above share one data set: building it (the demo, runs, an RFP) is the slow part."""
    every_edit_rule_has_its_selector_and_both_forms_agree_on_every_row(team_world)
    each_party_acts_on_its_engagements_as_that_party_only(team_world)
    a_firms_admins_manage_its_team_and_an_editor_does_not(team_world)
    a_clients_own_rows_are_changed_by_its_managers_only_and_staff_only_read_them(team_world)


def test_kpo_knows_the_admin_role_the_memberships_store():
    from kpo.access import VENDOR_ADMIN_ROLE

    assert Role.ADMIN == VENDOR_ADMIN_ROLE
