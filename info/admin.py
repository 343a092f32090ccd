from django.contrib import admin
from django.utils.html import format_html

from info.models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "published", "last_reviewed", "next_review_due", "preview_link"]
    list_display_links = ["title"]
    list_editable = ["order", "published"]
    list_filter = ["published", "next_review_due"]
    search_fields = ["title", "summary", "body"]
    ordering = ["order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "sources"]}),
        ("Publishing", {"fields": ["published", "order"]}),
        ("Clinical review", {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Preview")
    def preview_link(self, page):
        label = "View on site" if page.published else "Preview (staff only)"
        return format_html('<a href="{}">{}</a>', page.get_absolute_url(), label)
