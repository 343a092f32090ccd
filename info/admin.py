from django import forms
from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html

from info.models import Page, VisitInfo
from info.readability import GRADE_LIMIT, reading_grade, text_blocks

# What a clinician signs: the words a patient reads. Changing them needs a new review date.
REVIEWED_FIELDS = ("title", "summary", "body", "fop_notice")


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "sources",
            "fop_notice",
            "published",
            "order",
            "reviewed_by",
            "last_reviewed",
            "next_review_due",
        ]

    def clean(self):
        cleaned = super().clean()
        reviewed_on = cleaned.get("last_reviewed")
        next_due = cleaned.get("next_review_due")
        today = timezone.localdate()
        if reviewed_on and reviewed_on > today:
            self.add_error("last_reviewed", "A review date cannot be in the future.")
        if reviewed_on and next_due and next_due <= reviewed_on:
            self.add_error("next_review_due", "The next review must come after the last review.")
        text_changed = self.instance.pk is not None and any(name in self.changed_data for name in REVIEWED_FIELDS)
        if text_changed and "last_reviewed" not in self.changed_data:
            self.add_error(
                "last_reviewed",
                "You changed what patients read. Enter the date a clinician reviewed this new version "
                "(and their name, if someone else reviewed it).",
            )
        if cleaned.get("published"):
            missing = [
                label
                for name, label in (
                    ("reviewed_by", "the reviewing clinician"),
                    ("last_reviewed", "the review date"),
                    ("next_review_due", "the next review date"),
                )
                if not cleaned.get(name) and name not in self.errors
            ]
            if missing:
                raise forms.ValidationError(
                    "A published page names its clinical review: please fill in " + ", ".join(missing) + "."
                )
        return cleaned


def page_reading_grade(page: Page) -> float | None:
    """The reading grade of what the page shows: its lead, its body, and the FOP notice if on."""
    blocks = [page.summary, *text_blocks(page.body_html)]
    if page.fop_notice:
        blocks += text_blocks(render_to_string("info/includes/fop_notice.html"))
    return reading_grade(blocks)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageForm
    list_display = ["title", "slug", "order", "published", "last_reviewed", "next_review_due", "preview_link"]
    list_display_links = ["title"]
    list_editable = ["order", "published"]
    list_filter = ["published", "next_review_due"]
    search_fields = ["title", "summary", "body"]
    ordering = ["order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["reading_grade", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "sources", "fop_notice", "reading_grade"]}),
        ("Publishing", {"fields": ["published", "order"]}),
        (
            "Clinical review",
            {
                "fields": ["reviewed_by", "last_reviewed", "next_review_due"],
                "description": "Changing the title, summary, text or FOP notice asks for a new review date.",
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Preview")
    def preview_link(self, page):
        label = "View on site" if page.published else "Preview (staff only)"
        return format_html('<a href="{}">{}</a>', page.get_absolute_url(), label)

    @admin.display(description="Reading grade")
    def reading_grade(self, page):
        grade = page_reading_grade(page) if page.pk else None
        if grade is None:
            return "Shown after saving."
        verdict = "plain enough" if grade <= GRADE_LIMIT else f"too hard: aim for grade {GRADE_LIMIT:g} or below"
        return f"US grade {grade:.1f} ({verdict}). Shorter sentences and shorter words lower it."

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        grade = page_reading_grade(obj)
        if grade is not None and grade > GRADE_LIMIT:
            self.message_user(
                request,
                f"“{obj.title}” reads at US grade {grade:.1f}. Patient pages should be at grade "
                f"{GRADE_LIMIT:g} or below: use shorter sentences and plainer words.",
                messages.WARNING,
            )


@admin.register(VisitInfo)
class VisitInfoAdmin(admin.ModelAdmin):
    """One set of texts for the Visiting us page (address, phone and hours come from elsewhere)."""

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "step_free_access",
                    "parking",
                    "public_transport",
                    "what_to_bring",
                    "referrals",
                    "insurance",
                ],
                "description": "Shown on the Visiting us page. The address and phone number come from the "
                "clinic's settings; the opening hours from the weekly hours and closures.",
            },
        ),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not VisitInfo.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
