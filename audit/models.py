"""The staff audit trail: who did what to which object, and when.

One record type for everything staff do, whatever the object: a sign-in factor today; bookings,
feed tokens, waiting-list entries and content changes as they move here. An event names its object
by content type and id (never a foreign key, so the trail outlives the object), and its detail is
ids, counts and statuses only: never a patient's personal data.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEventManager(models.Manager["AuditEvent"]):
    def record(
        self, *, actor, action: str, target: models.Model, now: datetime, detail: str = "", actor_kind: str = "staff"
    ) -> "AuditEvent":
        """Write one event. Call it inside the transaction of the change it records, so that the
        change and its trace are committed together or not at all."""
        return self.create(
            at=now,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=target.pk,
            detail=detail,
        )

    def about(self, target: models.Model) -> models.QuerySet["AuditEvent"]:
        """The events of one object, oldest first."""
        return self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)


class AuditEvent(models.Model):
    class ActorKind(models.TextChoices):
        STAFF = "staff", "Staff"
        PATIENT = "patient", "Patient"
        SYSTEM = "system", "System"

    class Action(models.TextChoices):
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor sign-in set up"
        TWO_FACTOR_REMOVED = "two_factor_removed", "Two-factor sign-in removed by its owner"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset by a superuser"
        RECOVERY_CODES_REPLACED = "recovery_codes_replaced", "New recovery codes made"

    at = models.DateTimeField()
    # Kept when the account is deleted (the event stays, without a name); staff accounts are
    # normally deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.STAFF)
    action = models.CharField(max_length=40, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="object type"
    )
    target_id = models.PositiveBigIntegerField("object id")
    # Never personal data: ids, counts, statuses, times.
    detail = models.CharField(max_length=200, blank=True)

    objects = AuditEventManager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "at"], name="audit_event_target"),
            models.Index(fields=["at"], name="audit_event_at"),
        ]

    def __str__(self):
        return f"{self.target_type.model} {self.target_id} {self.action} by {self.actor_kind}"
