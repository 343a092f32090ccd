"""`manage.py reset_two_factor`: for the day the last superuser loses their phone and codes."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEvent
from tests.accounts.conftest import ADDRESS, SET_UP, password_step
from tests.booking.admin.conftest import PASSWORD
from tests.signin import give_second_factor

pytestmark = pytest.mark.django_db


def test_a_superuser_resets_their_own_lost_factor_from_the_command_line(django_user_model, capsys):
    sam = django_user_model.objects.create_superuser("sam", "sam@example.org", PASSWORD)
    give_second_factor(sam)

    call_command("reset_two_factor", "sam", "--by", "sam")

    assert capsys.readouterr().out == "Reset: sam sets up a new authenticator app at the next sign-in.\n"
    assert list(AuditEvent.objects.values_list("action", "actor__username", "target_id")) == [
        ("two_factor_reset", "sam", sam.pk)
    ]
    assert password_step(Client(REMOTE_ADDR=ADDRESS), username="sam")["Location"] == SET_UP


def test_the_command_needs_a_superuser(django_user_model, rita):
    give_second_factor(rita)

    with pytest.raises(CommandError, match="rita is not an active superuser"):
        call_command("reset_two_factor", "rita", "--by", "rita")
    with pytest.raises(CommandError, match="No such account"):
        call_command("reset_two_factor", "rita", "--by", "nobody")
    assert not AuditEvent.objects.exists()
