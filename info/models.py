from django.db import models
from django.urls import reverse

from info.markup import render_markdown


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Page(models.Model):
    """A patient-information page, written in Markdown by staff."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="The page's address: /info/<slug>/")
    summary = models.CharField(
        max_length=300,
        help_text="One or two sentences. Shown on the home page card and to search engines.",
    )
    body = models.TextField(help_text="Markdown. Headings start at ## (level 2).")
    body_html = models.TextField(editable=False, default="")
    sources = models.TextField(blank=True, help_text="Markdown. Where the information comes from.")
    sources_html = models.TextField(editable=False, default="")
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    published = models.BooleanField(default=False, help_text="Unpublished pages are visible to staff only.")
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        indexes = [models.Index(fields=["published", "order", "title"], name="info_page_published_order")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Render once on save, so that showing a page never runs Markdown or the sanitiser.
        self.body_html = render_markdown(self.body)
        self.sources_html = render_markdown(self.sources)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_html", "sources_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("info:page", kwargs={"slug": self.slug})
