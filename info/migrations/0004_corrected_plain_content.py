"""Clinically corrected, plain-language information pages, with sources and an FOP page.

Every change from the first content (0002_first_content) and its reason is in
docs/content-decisions.md. This migration:

- updates each page of 0002 that staff never edited (its title, summary, body and sources are
  still exactly what 0002 wrote) to the new text;
- leaves a page staff edited as it is, but makes its review due today, so that it heads the
  admin's "next review due" list and a clinician applies the corrections by hand;
- creates the new pages (symptoms, FOP) whose slug does not exist yet.

The new text has not yet had its clinical review: the review fields are left empty, and the page
says so until a clinician signs it in the admin.
"""

import datetime
import importlib

from django.db import migrations

FIRST_CONTENT = importlib.import_module("info.migrations.0002_first_content")

SOURCES = {
    "meyers": (
        "Meyers C, Lisiecki J, Miller S, et al. Heterotopic ossification: a comprehensive review. "
        "*JBMR Plus* 2019;3(4):e10172. [doi:10.1002/jbm4.10172](https://doi.org/10.1002/jbm4.10172)"
    ),
    "ranganathan": (
        "Ranganathan K, Loder S, Agarwal S, et al. Heterotopic ossification: basic-science principles and "
        "clinical correlates. *J Bone Joint Surg Am* 2015;97(13):1101–1111."
    ),
    "medscape": (
        "Bruno-Petrina A. Posttraumatic heterotopic ossification: clinical presentation. Medscape, updated 2019. "
        "[emedicine.medscape.com/article/326242-clinical](https://emedicine.medscape.com/article/326242-clinical)"
    ),
    "aapmr": (
        "American Academy of Physical Medicine and Rehabilitation. Heterotopic ossifications. PM&R KnowledgeNow. "
        "[now.aapmr.org/heterotopic-ossifications](https://now.aapmr.org/heterotopic-ossifications/)"
    ),
    "cdc_clots": (
        "Centers for Disease Control and Prevention. Venous thromboembolism: know the risks, signs and symptoms "
        "of blood clots. [stacks.cdc.gov/view/cdc/34877](https://stacks.cdc.gov/view/cdc/34877)"
    ),
    "cochrane_nsaids": (
        "Non-steroidal anti-inflammatory drugs for preventing heterotopic bone formation after hip "
        "arthroplasty. *Cochrane Database Syst Rev*, review CD001160. "
        "[doi:10.1002/14651858.CD001160.pub2](https://doi.org/10.1002/14651858.CD001160.pub2)"
    ),
    "migliorini": (
        "Migliorini F, et al. NSAIDs for prophylaxis for heterotopic ossification after total hip arthroplasty: "
        "a Bayesian network meta-analysis. *Calcif Tissue Int* 2021;108(2):196–206. "
        "[doi:10.1007/s00223-020-00763-7](https://doi.org/10.1007/s00223-020-00763-7)"
    ),
    "archdeacon": (
        "Archdeacon MT, d’Heurle A, Nemeth N, Budde B. Is preoperative radiation therapy as effective as "
        "postoperative radiation therapy for heterotopic ossification prevention in acetabular fractures? "
        "*Clin Orthop Relat Res* 2014;472(11):3389–3394. "
        "[doi:10.1007/s11999-014-3670-2](https://doi.org/10.1007/s11999-014-3670-2)"
    ),
    "scire": (
        "Spinal Cord Injury Research Evidence (SCIRE). Heterotopic ossification following spinal cord injury: "
        "bisphosphonates. [scireproject.com](https://scireproject.com/evidence/heterotopic-ossification/"
        "treatment-of-heterotopic-ossification/bisphosphonates/)"
    ),
    "erabi": (
        "Evidence-Based Review of Moderate to Severe Acquired Brain Injury (ERABI). Neuropharmacology: "
        "bisphosphonates (etidronate and heterotopic ossification after brain injury). "
        "[abiebr.com](http://www.abiebr.com/set/12-neuropharmacology/bisphosphonates)"
    ),
    "banovac": (
        "Banovac K, et al. Treatment of heterotopic ossification after spinal cord injury. "
        "*J Spinal Cord Med* 1997;20:60–65."
    ),
    "fda_nsaids": (
        "US Food and Drug Administration. Medication Guide for nonsteroidal anti-inflammatory drugs (NSAIDs). "
        "[DailyMed](https://dailymed.nlm.nih.gov/dailymed/medguide.cfm?setid=449b273a-936a-4c49-b0c8-d0daa47733ae)"
    ),
    "milakovic": (
        "Radiotherapy for the prophylaxis of heterotopic ossification: a systematic review and meta-analysis of "
        "randomized controlled trials. *Radiother Oncol* 2015;116(1):4–9. "
        "[doi:10.1016/j.radonc.2015.05.022](https://doi.org/10.1016/j.radonc.2015.05.022)"
    ),
    "pakos": (
        "Pakos EE, Ioannidis JPA. Radiotherapy vs. nonsteroidal anti-inflammatory drugs for the prevention of "
        "heterotopic ossification after major hip procedures: a meta-analysis of randomized trials. "
        "*Int J Radiat Oncol Biol Phys* 2004;60(3):888–895."
    ),
    "single_dose_1988": (
        "Heterotopic bone formation after hip surgery: prevention with single-dose postoperative hip "
        "irradiation. *Radiology* 1988;168(3):851–854. "
        "[doi:10.1148/radiology.168.3.3136510](https://doi.org/10.1148/radiology.168.3.3136510)"
    ),
    "pavey": (
        "Pavey GJ, Polfer EM, Nappo KE, et al. What risk factors predict recurrence of heterotopic ossification "
        "after excision in combat-related amputations? *Clin Orthop Relat Res* 2015. "
        "[doi:10.1007/s11999-015-4266-1](https://doi.org/10.1007/s11999-015-4266-1)"
    ),
    "icc_fop": (
        "Kaplan FS, et al. The medical management of fibrodysplasia ossificans progressiva: current treatment "
        "considerations. *Proc Intl Clin Council FOP* 2019;1:1–111 (the FOP Treatment Guidelines). "
        "[iccfop.org](https://www.iccfop.org/)"
    ),
    "genereviews_fop": (
        "Fibrodysplasia ossificans progressiva. *GeneReviews®*, University of Washington, Seattle; last revised "
        "May 23, 2024. [ncbi.nlm.nih.gov/books/NBK558090](https://www.ncbi.nlm.nih.gov/books/NBK558090/)"
    ),
    "delphi_fop": (
        "Di Rocco M, et al. International physician survey on management of FOP: a modified Delphi study. "
        "*Orphanet J Rare Dis* 2017. [doi:10.1186/s13023-017-0659-4](https://doi.org/10.1186/s13023-017-0659-4)"
    ),
    "gtr_fop": (
        "National Library of Medicine. Genetic Testing Registry: progressive myositis ossificans (FOP), gene "
        "ACVR1. [ncbi.nlm.nih.gov/gtr/conditions/C0016037](https://www.ncbi.nlm.nih.gov/gtr/conditions/C0016037/)"
    ),
    "fda_sohonos": (
        "US Food and Drug Administration. Sohonos (palovarotene) capsules: prescribing information, NDA 215559, "
        "first approved August 16, 2023. "
        "[accessdata.fda.gov](https://www.accessdata.fda.gov/drugsatfda_docs/label/2025/215559s002lbl.pdf)"
    ),
    "ifopa": "International Fibrodysplasia Ossificans Progressiva Association (IFOPA). [ifopa.org](https://www.ifopa.org/)",
}


def sources(*keys: str) -> str:
    return "\n".join(f"- {SOURCES[key]}" for key in keys)


PAGES = [
    {
        "slug": "what-is-ho",
        "order": 10,
        "title": "What is heterotopic ossification?",
        "summary": (
            "Heterotopic ossification (HO) is bone that forms where it should not be: in soft tissues such as "
            "muscles, tendons and ligaments."
        ),
        "fop_notice": False,
        "body": """\
"Heterotopic" means "in another place". "Ossification" means "making bone". The new bone is real
bone. It can make a joint stiff and sore. It can even lock a joint so that it cannot move.

## How does HO start?

HO can start on its own, with no clear cause. More often it starts after an injury, burns,
surgery, or harm to the brain or spinal cord. A few rare conditions that are passed on in genes
also cause it. Our page [Causes and risk factors](/info/causes-and-risk-factors/) tells you more.

## How do doctors find HO?

X-rays and other scans show the new bone. See [Diagnosis](/info/diagnosis/).

## How is HO treated?

- **Medicines** can help prevent HO in people at high risk. They also ease pain and swelling. They
  do not take away bone that has already formed.
- **Radiation therapy** is one low dose of radiation, given close to the time of an operation. It
  helps stop new bone from forming.
- **Surgery** can take out the bone when it causes bad pain or makes it hard to move.
- **Physical therapy** helps you keep your joints moving.

See [Treatment options](/info/treatment-options/).

## When to get help

Do you have new pain, swelling or stiffness weeks after an injury or an operation? Read
[Symptoms and when to get urgent help](/info/symptoms-and-urgent-help/).

If you have been told you may have HO, or you are at risk of it, our team can see you. You can
[make an appointment](/book/) online or call us.
""",
        "sources": sources("meyers", "ranganathan"),
    },
    {
        "slug": "symptoms-and-urgent-help",
        "order": 15,
        "title": "Symptoms and when to get urgent help",
        "summary": "Know the early signs of HO, and the signs of a blood clot or other emergency that need help at once.",
        "fop_notice": False,
        "body": """\
## Signs of HO

HO often shows up a few weeks to a few months after an injury or an operation. Watch for these
signs near a joint, such as a hip, knee, elbow or shoulder:

- pain that gets worse, not better;
- swelling;
- skin that feels warm or looks red;
- a joint that gets stiff, or that you can move less than before;
- a mild fever.

Some people have no signs at all. Others find a hard lump.

If you see these signs, call your doctor or call us. Do not wait for your next check-up. The same
signs can come from other problems, such as an infection or a blood clot. A doctor needs to check
which it is.

## Call 911 or go to the nearest emergency room now if you have:

- sudden trouble breathing, or chest pain. It may be a blood clot in the lung.
- a swollen, painful calf or leg. It may be a blood clot in a vein.
- an arm or leg that is cold, pale or blue.
- a high fever with a hot, swollen joint, or you feel very ill.

Do not book online or send an email for these problems.

## If you have FOP

If you have FOP, any new swelling may be a flare-up. Call your FOP doctor the same day. If you
fall or hit your head, get medical help the same day. See [our FOP page](/info/fop/).
""",
        "sources": sources("medscape", "aapmr", "cdc_clots", "genereviews_fop"),
    },
    {
        "slug": "causes-and-risk-factors",
        "order": 20,
        "title": "Causes and risk factors",
        "summary": (
            "Who gets HO: people with injuries, burns, joint or spine surgery, or a brain or spinal cord "
            "injury, and people with rare genetic conditions such as FOP."
        ),
        "fop_notice": True,
        "body": """\
HO can follow an injury, an operation or an illness. Sometimes it starts on its own, with no clear
cause. The main causes are:

1. **Injuries.** HO is common after bad burns, broken bones and other serious injuries. A broken
   elbow or a broken hip socket carries a higher risk.
2. **Bone and joint surgery.** Some operations raise the risk of HO. Examples are a new hip or
   other joint, and surgery on the spine.
3. **Brain and spinal cord injury.** People with a brain injury, a spinal cord injury or some other
   nerve conditions are at higher risk.
4. **Genetic conditions.** A few rare conditions passed on in genes cause HO. The best known is
   fibrodysplasia ossificans progressiva (FOP). FOP needs very different care: see
   [our FOP page](/info/fop/).

## If you are at higher risk

You are at higher risk if you have had HO before. You are also at higher risk after a bad injury
or a big operation. Before a planned operation, ask your surgeon about ways to prevent HO. There
are medicines, and there is a single low dose of radiation. See
[Treatment options](/info/treatment-options/).
""",
        "sources": sources("ranganathan", "meyers", "aapmr", "gtr_fop"),
    },
    {
        "slug": "diagnosis",
        "order": 30,
        "title": "Diagnosis",
        "summary": "Scans such as X-rays show HO. If you may have FOP, a genetic test is used, never a biopsy.",
        "fop_notice": True,
        "body": """\
Your doctor will ask about your health and check the joint. Then you may need one or more scans:

- **X-rays** show bone, including new bone in soft tissue. Very early HO may not show on an X-ray
  yet.
- **A CT scan** (computed tomography) puts many X-rays together into a detailed picture. It helps
  to plan surgery.
- **An MRI scan** (magnetic resonance imaging) shows soft tissues such as muscles, tendons and
  ligaments.

Your clinician will tell you which scans you need and why.

Doctors rarely need a biopsy to find HO. (A biopsy takes a small piece of tissue to test.) If you
may have FOP, you must not have a biopsy. FOP is found with a genetic test instead: see
[our FOP page](/info/fop/).

## Bring your earlier scans

Have you had X-rays, CT scans or MRI scans somewhere else? Bring the reports to your visit, and the
images if you have them. This helps us compare, and may save you a repeat scan.
""",
        "sources": sources("meyers", "medscape", "genereviews_fop", "delphi_fop"),
    },
    {
        "slug": "treatment-options",
        "order": 40,
        "title": "Treatment options",
        "summary": "Ways to prevent HO, and to treat it once it has formed: medicines, radiation, surgery and physical therapy.",
        "fop_notice": True,
        "body": """\
Some treatments help **prevent** new bone in people at high risk. Others **treat** bone that has
already formed. Your care team will talk with you about which ones suit you.

**Do not start or stop a medicine without asking your doctor first.**

## Medicines

- **NSAIDs** (nonsteroidal anti-inflammatory drugs) ease pain and swelling. Some NSAIDs also help
  **prevent** HO. After a hip replacement, or surgery on a broken hip socket, doctors often give
  indomethacin or a COX-2 inhibitor such as celecoxib. You take it for a few weeks. Your surgeon
  will tell you how long.
- **Etidronate** is a bisphosphonate: a medicine that slows the making of bone. Doctors may use it
  to help prevent HO after a spinal cord injury or a brain injury.

These medicines do **not** take away bone that has already formed.

NSAIDs can have side effects. They can cause bleeding and sores (ulcers) in the stomach. They can
harm the kidneys. Tell your doctor if you have had stomach ulcers, bleeding problems or kidney
problems, or if you take a blood thinner. Get help at once if your stool is black, you throw up
blood, or you have bad stomach pain.

## Radiation therapy

Radiation therapy can help **prevent** HO in people at high risk. This includes people who have
had HO before, and people who have had a bad injury or a big operation. It is also used after
surgery to take out HO.

You get one low dose of radiation, about 7 to 8 Gy. (Gy, or gray, is the unit for a radiation
dose.) The timing matters. It is given in the day before surgery, often a few hours before, or in
the three days after it. So if you may need it, **call us as soon as you know your surgery
date**.

## Surgery

Surgery may be needed if HO causes bad pain or makes it hard to move. The goal is to take out the
extra bone and keep the joint working.

Surgeons often wait until the new bone has stopped growing. This is called mature bone. It can
take many months. HO can come back after surgery. So after surgery you usually get a medicine or
radiation to help prevent new bone.

Surgery to take out bone is **never** done for FOP. In FOP it makes more bone grow.

## Physical therapy

Physical therapy helps keep your joints moving and helps prevent other problems. Your therapist
may give you exercises. They help your joint move further and make it stronger. Move gently. Do
not force a stiff joint.
""",
        "sources": sources(
            "ranganathan",
            "meyers",
            "cochrane_nsaids",
            "migliorini",
            "archdeacon",
            "scire",
            "banovac",
            "erabi",
            "fda_nsaids",
            "milakovic",
            "pakos",
            "single_dose_1988",
            "pavey",
            "icc_fop",
        ),
    },
    {
        "slug": "fop",
        "order": 45,
        "title": "FOP (fibrodysplasia ossificans progressiva)",
        "summary": "FOP is a rare genetic condition. In FOP, an injury can make bone grow, so it needs very different care.",
        "fop_notice": False,
        "body": """\
FOP is very rare: about one person in two million has it. A change in a gene called ACVR1 causes
it. Most babies with FOP are born with short, bent big toes. In childhood, bone starts to grow in
muscles and tendons. It often comes in flare-ups. A flare-up is a painful swelling that can turn
into bone for good.

## What can start a flare-up

In FOP, harm to soft tissue can start a flare-up. This includes:

- a biopsy (taking a small piece of tissue to test);
- surgery, including surgery to take out bone;
- shots into a muscle, including some vaccines;
- dental work that numbs the lower jaw with a nerve block, or that stretches the mouth wide open;
- falls and bumps;
- some illnesses caused by a virus, such as the flu.

## How FOP is found

If your doctor thinks you may have FOP, the test is a **genetic test** for a change in the ACVR1
gene. It usually uses a blood sample. A biopsy is **not** the way to test for FOP, because it can
start a flare-up.

## Keeping safe with FOP

- **No surgery to take out bone.** It makes more bone grow.
- **No shots into a muscle.** Ask for vaccines to go under the skin when that is possible. Do not
  have a vaccine during a flare-up.
- **At the dentist,** avoid nerve blocks in the lower jaw, and do not let the mouth be stretched
  wide. Tell your dentist about FOP before any work.
- **Prevent falls.** Use rails, keep floors clear, and use a walking aid if you need one. If you
  fall or hit your head, get medical help the same day.
- **Show this page to every doctor, nurse and dentist** who treats you, even in an emergency.

## Treatment

In 2023, the US Food and Drug Administration (FDA) approved palovarotene (Sohonos) for FOP. It
can reduce new bone. It is for adults, for girls from age 8 and for boys from age 10. It has
serious side effects: it can stop a child's bones from growing, and it must not be taken in
pregnancy. An FOP expert will tell you if it suits you.

Other care aims to calm flare-ups and keep you safe. Research is moving fast, so ask an FOP expert
about new treatments.

## Support

The International FOP Association (IFOPA) helps people with FOP and their families. Visit
[ifopa.org](https://www.ifopa.org/).

## Booking with us

If you have FOP, or might have it, please **call us before you book**. We plan your visit with you
so that it is safe. We book FOP visits by phone, not online.
""",
        "sources": sources("genereviews_fop", "icc_fop", "delphi_fop", "gtr_fop", "fda_sohonos", "ifopa", "medscape"),
    },
    {
        "slug": "your-appointment",
        "order": 50,
        "title": "Your appointment",
        "summary": "How to book, which visits we book by phone, and how we make our clinic easy to use.",
        "fop_notice": False,
        "body": """\
## Booking

You can [make an appointment](/book/) online at any time, without an account, or call us. A carer
or family member can book for you. You will get an email that confirms the time. It has a private
link to change or cancel your visit.

We book some visits by phone only, so that we can plan them with you:

- **Radiation therapy planning.** The timing depends on the date of your surgery.
- **FOP visits.** We plan these with you to keep you safe.

## Before you come

[Visiting us](/visiting-us/) has our address, opening hours, parking and what to bring.

## Access

Tell us about any access needs when you book. For example, you may need wheelchair access, a
hoist, extra time or an interpreter. We will be ready for you.
""",
        "sources": (
            "This page is about how our clinic works. Medical facts on the other pages have their sources "
            "listed there."
        ),
    },
]


def _is_first_content(page, first: dict) -> bool:
    """Is this page still exactly as 0002_first_content wrote it (never edited by staff)?"""
    return (page.title, page.summary, page.body, page.sources) == (
        first["title"],
        first["summary"],
        first["body"],
        FIRST_CONTENT.SOURCE,
    )


def update_pages(apps, schema_editor):
    Page = apps.get_model("info", "Page")
    # Migrations see the historical model without its save(), so render here as save() would.
    from info.markup import render_markdown

    first_by_slug = {data["slug"]: data for data in FIRST_CONTENT.PAGES}
    today = datetime.date.today()
    for data in PAGES:
        fields = {
            **data,
            "body_html": render_markdown(data["body"]),
            "sources_html": render_markdown(data["sources"]),
            "last_reviewed": None,
            "next_review_due": None,
            "reviewed_by": "",
        }
        page = Page.objects.filter(slug=data["slug"]).first()
        if page is None:
            Page.objects.create(**fields, published=True)
        elif data["slug"] in first_by_slug and _is_first_content(page, first_by_slug[data["slug"]]):
            for name, value in fields.items():
                setattr(page, name, value)
            page.save()
        elif page.next_review_due is None or page.next_review_due > today:
            # Edited by staff: keep their text, and ask for a clinical review now.
            page.next_review_due = today
            page.save(update_fields=["next_review_due"])


def restore_first_content(apps, schema_editor):
    """Back to 0002's text for the pages it made; the new pages go."""
    Page = apps.get_model("info", "Page")
    from info.markup import render_markdown

    first_slugs = {data["slug"] for data in FIRST_CONTENT.PAGES}
    Page.objects.filter(slug__in=[data["slug"] for data in PAGES if data["slug"] not in first_slugs]).delete()
    for first in FIRST_CONTENT.PAGES:
        Page.objects.filter(slug=first["slug"]).update(
            **first,
            body_html=render_markdown(first["body"]),
            sources=FIRST_CONTENT.SOURCE,
            sources_html=render_markdown(FIRST_CONTENT.SOURCE),
            fop_notice=False,
            last_reviewed=FIRST_CONTENT.REVIEWED,
            next_review_due=FIRST_CONTENT.NEXT_REVIEW,
            reviewed_by=FIRST_CONTENT.REVIEWER,
        )


class Migration(migrations.Migration):
    dependencies = [("info", "0003_page_fop_notice_review_visitinfo")]

    operations = [migrations.RunPython(update_pages, restore_first_content)]
