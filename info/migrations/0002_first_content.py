"""The first information pages, from the clinic's original HO page (shared/seed/clinic-ho-page.txt).

Every statement of that page appears here; the wording is tidied into plain language and split
into pages. Later edits happen in the admin, so this migration only creates pages whose slug
does not exist yet, and never overwrites staff changes.
"""

import datetime

from django.db import migrations

REVIEWED = datetime.date(2026, 11, 1)
NEXT_REVIEW = datetime.date(2027, 11, 1)
REVIEWER = "HO Clinic clinical team"
SOURCE = "The clinic's patient information page on heterotopic ossification."

PAGES = [
    {
        "slug": "what-is-ho",
        "order": 10,
        "title": "What is heterotopic ossification?",
        "summary": (
            "Heterotopic ossification (HO) is bone that forms in soft tissues outside the skeleton, "
            "such as muscles, tendons and ligaments."
        ),
        "body": """\
Heterotopic ossification (HO) is a medical condition in which bone forms in soft tissues outside
the skeletal system, such as muscles, tendons, and ligaments.

"Heterotopic" means "in the wrong place", and "ossification" means "the making of bone". The
bone itself is real bone, but it grows where bone should not be.

## How does HO start?

This abnormal bone growth can occur spontaneously or as a result of injury or trauma.
HO can occur as a complication of a variety of medical conditions and procedures, including
trauma, orthopedic surgeries, neurological conditions and some rare genetic disorders. Our page
[Causes and risk factors](/info/causes-and-risk-factors/) explains each of them.

## How is HO found and treated?

Diagnosis of HO may involve imaging studies such as X-rays, CT scans, or MRI. See
[Diagnosis](/info/diagnosis/).

Treatment options may include medications to reduce inflammation and pain, radiation therapy to
prevent further bone growth, or surgery to remove the abnormal bone growth. Physical therapy may
also be recommended to help maintain joint mobility and prevent further complications. See
[Treatment options](/info/treatment-options/).

## When to get help

If you have been told you may have HO, or you are at risk of it, our team can see you. You can
[make an appointment](/book/) online or call us.
""",
    },
    {
        "slug": "causes-and-risk-factors",
        "order": 20,
        "title": "Causes and risk factors",
        "summary": (
            "HO can follow trauma, orthopedic surgery or neurological conditions, and some rare "
            "genetic disorders such as FOP cause it."
        ),
        "body": """\
HO can occur as a complication of a variety of medical conditions and procedures. It can also
occur spontaneously, without an obvious cause. The main causes and risk factors are:

1. **Trauma.** HO is commonly seen after severe burns, fractures, or other traumatic injuries.
2. **Orthopedic surgeries.** Certain orthopedic procedures, such as joint replacements or spinal
   surgeries, can increase the risk of HO.
3. **Neurological conditions.** Individuals with traumatic brain injury, spinal cord injury, or
   other neurological conditions may be at higher risk for developing HO.
4. **Genetic disorders.** Some rare genetic disorders, such as fibrodysplasia ossificans
   progressiva (FOP), can lead to the development of HO.

## If you are at higher risk

People at high risk of developing HO include those who have previously experienced HO and those
who have had a severe injury or surgery. For them, low-dose radiation therapy may be used to
prevent further bone growth: see [Treatment options](/info/treatment-options/).
""",
    },
    {
        "slug": "diagnosis",
        "order": 30,
        "title": "Diagnosis",
        "summary": "Diagnosis of HO may involve imaging studies such as X-rays, CT scans or MRI.",
        "body": """\
Diagnosis of HO may involve imaging studies such as:

- **X-rays**, which show bone, including bone that has formed in soft tissue;
- **CT scans** (computed tomography), which give detailed cross-section pictures;
- **MRI** (magnetic resonance imaging), which shows soft tissues such as muscles, tendons and
  ligaments.

Your clinician will explain which of these you need and why.

## Bringing earlier scans

If you have had X-rays, CT scans or MRI elsewhere, bring the reports (and the images, if you have
them) to your appointment. It helps us compare and may save you a repeat scan.
""",
    },
    {
        "slug": "treatment-options",
        "order": 40,
        "title": "Treatment options",
        "summary": (
            "Treatment options for HO include medications, radiation therapy, surgery and "
            "physical therapy."
        ),
        "body": """\
Treatment options may include medications to reduce inflammation and pain, radiation therapy to
prevent further bone growth, or surgery to remove the abnormal bone growth. Physical therapy may
also be recommended to help maintain joint mobility and prevent further complications.

Some treatment options for HO include:

1. **Medications.** Nonsteroidal anti-inflammatory drugs (NSAIDs) or bisphosphonates may be used
   to reduce inflammation and pain associated with HO. However, these medications do not prevent
   further bone growth.
2. **Radiation therapy.** Low-dose radiation therapy may be used to prevent further bone growth
   in individuals at high risk of developing HO, such as those who have previously experienced
   HO or who have had a severe injury or surgery.
3. **Surgery.** Surgery may be necessary in cases where HO is causing severe pain or impairing
   mobility. The goal of surgery is to remove the abnormal bone growth while preserving joint
   function.
4. **Physical therapy.** Physical therapy may be used to help maintain joint mobility and prevent
   further complications of HO. Exercises may be prescribed to improve range of motion and
   strength in the affected joint.

Your care team will talk with you about which options suit you.
""",
    },
    {
        "slug": "your-appointment",
        "order": 50,
        "title": "Your appointment",
        "summary": "How to book, what to bring, and how we make our clinic accessible.",
        "body": """\
## Booking

You can [make an appointment](/book/) online at any time, without an account, or call us. A
carer or family member can book for you. You will get a confirmation email with a private link
to change or cancel your appointment.

## What to bring

- a photo ID and your insurance card, if you have one;
- a list of the medicines you take;
- reports of earlier X-rays, CT scans or MRI, and your referral letter if you have one;
- someone to support you, if you wish: carers are welcome.

## Access

Tell us about any access needs when you book (for example wheelchair access, a hoist, extra time
or an interpreter) and we will be ready for you.
""",
    },
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("info", "Page")
    # Migrations see the historical model without its save(), so render here as save() would.
    from info.markup import render_markdown

    for data in PAGES:
        if Page.objects.filter(slug=data["slug"]).exists():
            continue
        Page.objects.create(
            **data,
            body_html=render_markdown(data["body"]),
            sources=SOURCE,
            sources_html=render_markdown(SOURCE),
            published=True,
            last_reviewed=REVIEWED,
            next_review_due=NEXT_REVIEW,
            reviewed_by=REVIEWER,
        )


def remove_pages(apps, schema_editor):
    Page = apps.get_model("info", "Page")
    Page.objects.filter(slug__in=[data["slug"] for data in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("info", "0001_initial")]

    operations = [migrations.RunPython(create_pages, remove_pages)]
