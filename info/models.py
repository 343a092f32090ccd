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
    fop_notice = models.BooleanField(
        "FOP safety notice",
        default=False,
        help_text="Show the notice for people with FOP (no biopsy, no surgery to remove bone, no shots into "
        "muscle) at the top of this page.",
    )
    last_reviewed = models.DateField(
        "reviewed on", null=True, blank=True, help_text="When a clinician last checked this version of the text."
    )
    next_review_due = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField(
        "reviewing clinician",
        max_length=200,
        blank=True,
        help_text="Name and role, for example: Dr. A. Name, Physiatrist.",
    )
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

    @property
    def is_reviewed(self) -> bool:
        return bool(self.reviewed_by and self.last_reviewed)


class VisitInfo(models.Model):
    """Staff-written practical texts of the Visiting us page; there is one row (id 1).

    Plain text: blank lines separate paragraphs. The address, phone and opening hours are not
    here: they come from the clinic's settings, the weekly hours and the closures, as every other
    page and email uses them.
    """

    step_free_access = models.TextField("step-free access", blank=True)
    parking = models.TextField(blank=True)
    public_transport = models.TextField(blank=True)
    what_to_bring = models.TextField(blank=True)
    referrals = models.TextField(blank=True)
    insurance = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "visiting us page"
        verbose_name_plural = "visiting us page"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="visitinfo_single_row")]

    def __str__(self):
        return "Visiting us page"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    SECTIONS = (
        ("step_free_access", "Step-free access"),
        ("parking", "Parking"),
        ("public_transport", "Public transport"),
        ("what_to_bring", "What to bring"),
        ("referrals", "Referrals"),
        ("insurance", "Insurance and payment"),
    )

    def sections(self) -> list[dict]:
        """Each section in page order: its field name, heading and blocks (see ``text_blocks``)."""
        return [
            {"name": name, "heading": heading, "blocks": text_blocks(getattr(self, name))}
            for name, heading in self.SECTIONS
        ]


def text_blocks(text: str) -> list[dict]:
    """Plain staff text as paragraphs and lists: a blank line ends a paragraph, lines that start
    with "- " make a list. The template escapes it all, so no markup is ever trusted."""
    blocks: list[dict] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append({"kind": "list", "items": [line[2:].strip() for line in lines]})
        else:
            blocks.append({"kind": "paragraph", "text": " ".join(lines)})
    return blocks
