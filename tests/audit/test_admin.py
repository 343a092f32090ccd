"""The staff audit trail (audit.AuditEvent): read-only in the admin, for the roles that see the
audit trail (the clinic manager), with no personal data in it."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from audit.models import AuditEvent
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

EVENTS = "/admin/audit/auditevent/"


@pytest.fixture
def event(reception):
    return AuditEvent.objects.record(
        actor=reception, action=AuditEvent.Action.TWO_FACTOR_ENROLLED, target=reception, now=timezone.now()
    )


def test_the_manager_sees_the_trail_read_only(manager_client, event):
    listing = manager_client.get(EVENTS)
    change = manager_client.get(f"{EVENTS}{event.pk}/change/")

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [event]
    assert "Two-factor sign-in set up" in listing.content.decode()
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert manager_client.get(f"{EVENTS}add/").status_code == 403
    assert manager_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1


def test_even_a_superuser_cannot_change_the_trail(staff_client, event):
    assert staff_client.get(f"{EVENTS}add/").status_code == 403
    assert staff_client.post(f"{EVENTS}{event.pk}/change/", {"detail": "edited"}).status_code == 403
    assert staff_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get().detail == ""


def test_only_the_clinic_manager_role_may_see_the_trail():
    holders = Group.objects.filter(permissions__content_type__app_label="audit").values_list(
        "name", "permissions__codename"
    )

    assert set(holders) == {("Clinic manager", "view_auditevent")}


@pytest.mark.parametrize("role", ["reception", "doctor", "editor"])
def test_other_roles_do_not_see_the_trail(client, role, request, event):
    log_in_verified(client, request.getfixturevalue(role))

    assert client.get(EVENTS).status_code == 403


@pytest.mark.parametrize("query", ["rita", str(2**70), "not a number", "%"])
def test_searching_the_trail_never_fails(manager_client, event, query):
    response = manager_client.get(EVENTS, {"q": query})

    assert response.status_code == 200


def test_events_of_one_object_are_found_by_type_and_id(reception, manager, event):
    AuditEvent.objects.record(
        actor=manager, action=AuditEvent.Action.TWO_FACTOR_RESET, target=manager, now=timezone.now()
    )

    assert list(AuditEvent.objects.about(reception)) == [event]
