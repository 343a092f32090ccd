from django.contrib import admin

from audit.models import AuditEvent
from booking.admin_views import short_when


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is written by the code, never edited.
    Seen by the roles with the view permission (the clinic manager)."""

    list_display = ["at_local", "action", "actor_kind", "actor", "target_type", "target_id", "detail"]
    list_filter = ["action", "actor_kind", ("target_type", admin.RelatedOnlyFieldListFilter), "at"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["actor__username", "=target_id"]
    search_help_text = "Search by staff username or object id."
    ordering = ["-at", "-pk"]
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="When", ordering="at")
    def at_local(self, event):
        return short_when(event.at)
