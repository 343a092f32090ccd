"""The information pages after the independent desk review (docs/content-decisions.md, "Review per page").

What changed and why is recorded per page in docs/content-decisions.md. In short:

- what-is-ho: radiation is *usually* one dose; a warning for people with FOP next to the treatments.
- symptoms-and-urgent-help: tell the emergency team about FOP; CDC's "seek immediate medical
  treatment" cited for the clot signs.
- diagnosis: the bone scan and ultrasound (the scans that find HO before an X-ray can), and how
  long an X-ray lags.
- treatment-options: NSAIDs also raise the risk of heart attack and stroke (the FDA's boxed
  warning) and the signs that need 911; radiation is usually one dose, given in the hours before
  surgery or in the three days after it; NSAID courses are left to the surgeon.
- fop: vaccines that can only go into a muscle are a question for the FOP doctor, not a reason
  to skip them; no one else stretches a stiff joint; garetosmab (Pasatru) for adults.
- Visiting us: "You do not need a referral" is the clinic's own policy, so it is marked as demo
  text until the clinic confirms it.

Like 0004, a page is updated only if staff never edited it since (its title, summary, body,
sources and FOP notice are exactly what 0004 wrote); a page staff edited keeps their text and its
review becomes due today. This is a documented desk review, not a clinician's sign-off: the
review fields stay empty, and the page keeps saying it has not yet been reviewed by a clinician.
"""

import datetime
import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("info.migrations.0004_corrected_plain_content")
VISIT_INFO = importlib.import_module("info.migrations.0005_visit_info")

SOURCES = {
    **PREVIOUS.SOURCES,
    # 0004 gave volume and pages that could not be confirmed; this is the confirmed title of the 2019 edition.
    "icc_fop": (
        "International Clinical Council on FOP (ICC). The medical management of fibrodysplasia ossificans "
        "progressiva: current treatment considerations (the FOP Treatment Guidelines), 2019 edition. "
        "[iccfop.org](https://www.iccfop.org/)"
    ),
    "icc_fop_2025": (
        "Kaplan FS, et al. Medical guidelines for fibrodysplasia ossificans progressiva. *JBMR Plus* "
        "2025;9(11):ziaf150. [doi:10.1093/jbmrpl/ziaf150](https://doi.org/10.1093/jbmrpl/ziaf150)"
    ),
    "pavey": (
        "Pavey GJ, Polfer EM, Nappo KE, et al. What risk factors predict recurrence of heterotopic ossification "
        "after excision in combat-related amputations? *Clin Orthop Relat Res* 2015;473(9):2814–2824. "
        "[doi:10.1007/s11999-015-4266-1](https://doi.org/10.1007/s11999-015-4266-1)"
    ),
    "seegenschmiedt_1994": (
        "Preoperative versus postoperative radiotherapy for prevention of heterotopic ossification (HO): first "
        "results of a randomized trial in high-risk patients. *Int J Radiat Oncol Biol Phys*, August 1994. "
        "[PubMed 8083130](https://pubmed.ncbi.nlm.nih.gov/8083130/)"
    ),
    "nkf_nsaids": (
        "National Kidney Foundation. Watch out for your kidneys when you use medicines for pain. "
        "[kidney.org](https://www.kidney.org/news-stories/watch-out-your-kidneys-when-you-use-medicines-pain)"
    ),
    "cdc_clot_risk": (
        "Centers for Disease Control and Prevention. Are you at risk for clots? "
        "[cdc.gov](https://www.cdc.gov/ncbddd/dvt/features/blood-clot-risk.html)"
    ),
    "medscape_tbi_imaging": (
        "Pangilinan PH. How is heterotopic ossification diagnosed in traumatic brain injury (TBI)? Medscape, "
        "updated 2020. [medscape.com](https://www.medscape.com/answers/326643-121886/"
        "how-is-heterotopic-ossification-diagnosed-in-traumatic-brain-injury-tbi)"
    ),
    "shehab_2002": (
        "Shehab D, Elgazzar AH, Collier BD. Heterotopic ossification. *J Nucl Med* 2002;43(3):346–353. "
        "[jnm.snmjournals.org](http://jnm.snmjournals.org/content/43/3/346)"
    ),
    "ultrasound_1991": (
        "The role of ultrasound in the early diagnosis and management of heterotopic bone formation. "
        "*Clin Radiol* 1991;43(3):190–196. "
        "[doi:10.1016/s0009-9260(05)80478-7](https://doi.org/10.1016/s0009-9260(05)80478-7)"
    ),
    "fda_pasatru": (
        "US Food and Drug Administration. Pasatru (garetosmab-grts): prescribing information, indications and "
        "usage. [openFDA](https://api.fda.gov/drug/label.json?search=openfda.brand_name:%22Pasatru%22)"
    ),
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
- **Radiation therapy** is usually one low dose of radiation, given close to the time of an
  operation. It helps stop new bone from forming.
- **Surgery** can take out the bone when it causes bad pain or makes it hard to move.
- **Physical therapy** helps you keep your joints moving.

See [Treatment options](/info/treatment-options/).

**If you have FOP, or it might be FOP,** some of these treatments can harm you. Surgery to take
out bone is never done for FOP. Read [our FOP page](/info/fop/) before you have any treatment.

## When to get help

Do you have new pain, swelling or stiffness weeks after an injury or an operation? Read
[Symptoms and when to get urgent help](/info/symptoms-and-urgent-help/).

If you have been told you may have HO, or you are at risk of it, our team can see you. You can
[make an appointment](/book/) online or call us.
""",
        "sources": sources("meyers", "ranganathan", "single_dose_1988", "icc_fop"),
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
fall or hit your head, get medical help the same day. In an emergency, tell the team that you have
FOP, and show them [our FOP page](/info/fop/).
""",
        "sources": sources("medscape", "aapmr", "cdc_clots", "cdc_clot_risk", "genereviews_fop"),
    },
    {
        "slug": "diagnosis",
        "order": 30,
        "title": "Diagnosis",
        "summary": "Scans such as X-rays show HO. If you may have FOP, a genetic test is used, never a biopsy.",
        "fop_notice": True,
        "body": """\
Your doctor will ask about your health and check the joint. Then you may need one or more scans:

- **X-rays** show bone, including new bone in soft tissue. In the first few weeks, new bone may not
  show on an X-ray yet.
- **A bone scan** can find HO weeks before an X-ray can. A small amount of a tracer goes into a
  vein, and a camera takes pictures of your bones.
- **An ultrasound scan** uses sound waves to make a picture. It can show early HO. It is quick and
  does not hurt.
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
        "sources": sources(
            "meyers",
            "medscape",
            "medscape_tbi_imaging",
            "shehab_2002",
            "ultrasound_1991",
            "genereviews_fop",
            "delphi_fop",
        ),
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
  indomethacin or a COX-2 inhibitor such as celecoxib. You take it for a short time after surgery.
  Your surgeon will tell you how long.
- **Etidronate** is a bisphosphonate: a medicine that slows the making of bone. Doctors may use it
  to help prevent HO after a spinal cord injury or a brain injury.

These medicines do **not** take away bone that has already formed.

NSAIDs can have side effects. They can cause bleeding and sores (ulcers) in the stomach. They can
harm the kidneys. They can raise the risk of a heart attack or a stroke. Tell your doctor if you
have had stomach ulcers, bleeding problems, kidney problems or heart problems, or if you take a
blood thinner. Get help at once if your stool is black, you throw up blood, or you have bad
stomach pain. Call 911 if you have chest pain, trouble breathing, or sudden weakness on one side
of your body.

## Radiation therapy

Radiation therapy can help **prevent** HO in people at high risk. This includes people who have
had HO before, and people who have had a bad injury or a big operation. It is also used after
surgery to take out HO.

Most often you get one low dose of radiation, about 7 to 8 Gy. (Gy, or gray, is the unit for a
radiation dose.) The timing matters. It is given in the hours before surgery, on the same day, or
in the three days after it. So if you may need it, **call us as soon as you know your surgery
date**. Your radiation doctor will talk with you about the risks.

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
            "nkf_nsaids",
            "milakovic",
            "pakos",
            "single_dose_1988",
            "seegenschmiedt_1994",
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
- **No shots into a muscle.** Ask for vaccines to go under the skin when that is possible. Some
  vaccines can only go into a muscle: ask your FOP doctor about these. Do not have a vaccine during
  a flare-up.
- **At the dentist,** avoid nerve blocks in the lower jaw, and do not let the mouth be stretched
  wide. Tell your dentist about FOP before any work.
- **No stretching by others.** Do not let anyone force a stiff joint to move. Gentle activity that
  you do yourself is good.
- **Prevent falls.** Use rails, keep floors clear, and use a walking aid if you need one. If you
  fall or hit your head, get medical help the same day.
- **Show this page to every doctor, nurse and dentist** who treats you, even in an emergency.

## Treatment

In 2023, the US Food and Drug Administration (FDA) approved palovarotene (Sohonos) for FOP. It
can reduce new bone. It is for adults, for girls from age 8 and for boys from age 10. It has
serious side effects: it can stop a child's bones from growing, and it must not be taken in
pregnancy.

The FDA has since approved garetosmab (Pasatru) for adults with FOP. It goes into a vein through a
drip, once every 4 weeks. It can reduce new bone and flare-ups.

An FOP expert will tell you if one of these medicines suits you. Other care aims to calm flare-ups
and keep you safe. Research is moving fast, so ask an FOP expert about new treatments.

## Support

The International FOP Association (IFOPA) helps people with FOP and their families. Visit
[ifopa.org](https://www.ifopa.org/).

## Booking with us

If you have FOP, or might have it, please **call us before you book**. We plan your visit with you
so that it is safe. We book FOP visits by phone, not online.
""",
        "sources": sources(
            "genereviews_fop",
            "icc_fop",
            "icc_fop_2025",
            "delphi_fop",
            "gtr_fop",
            "fda_sohonos",
            "fda_pasatru",
            "ifopa",
        ),
    },
]

# The Visiting us referral text states the clinic's own policy; the review could not confirm it.
REFERRALS_BEFORE = VISIT_INFO.VISIT_INFO["referrals"]
REFERRALS_AFTER = REFERRALS_BEFORE + " " + VISIT_INFO.DEMO


def _content(page) -> tuple:
    return (page.title, page.summary, page.body, page.sources, page.fop_notice)


def _data_content(data: dict) -> tuple:
    return (data["title"], data["summary"], data["body"], data["sources"], data["fop_notice"])


def _write(Page, pages_from: list[dict], pages_to: list[dict]):
    """Move each page from one version of the text to the other, if staff never edited it."""
    # Migrations see the historical model without its save(), so render here as save() would.
    from info.markup import render_markdown

    from_by_slug = {data["slug"]: data for data in pages_from}
    today = datetime.date.today()
    for data in pages_to:
        page = Page.objects.filter(slug=data["slug"]).first()
        if page is None:
            continue
        if _content(page) == _data_content(from_by_slug[data["slug"]]):
            for name, value in data.items():
                setattr(page, name, value)
            page.body_html = render_markdown(page.body)
            page.sources_html = render_markdown(page.sources)
            page.save()
        elif _content(page) != _data_content(data) and (page.next_review_due is None or page.next_review_due > today):
            # Edited by staff: keep their text, and ask for a clinical review now.
            page.next_review_due = today
            page.save(update_fields=["next_review_due"])


def _set_referrals(VisitInfo, before: str, after: str):
    VisitInfo.objects.filter(pk=1, referrals=before).update(referrals=after)


def update_pages(apps, schema_editor):
    reviewed_slugs = {data["slug"] for data in PAGES}
    _write(apps.get_model("info", "Page"), [p for p in PREVIOUS.PAGES if p["slug"] in reviewed_slugs], PAGES)
    _set_referrals(apps.get_model("info", "VisitInfo"), REFERRALS_BEFORE, REFERRALS_AFTER)


def restore_previous(apps, schema_editor):
    """Back to 0004's text for the pages still exactly as this migration left them."""
    reviewed_slugs = {data["slug"] for data in PAGES}
    Page = apps.get_model("info", "Page")
    from info.markup import render_markdown

    previous = {p["slug"]: p for p in PREVIOUS.PAGES if p["slug"] in reviewed_slugs}
    for data in PAGES:
        page = Page.objects.filter(slug=data["slug"]).first()
        if page is not None and _content(page) == _data_content(data):
            for name, value in previous[data["slug"]].items():
                setattr(page, name, value)
            page.body_html = render_markdown(page.body)
            page.sources_html = render_markdown(page.sources)
            page.save()
    _set_referrals(apps.get_model("info", "VisitInfo"), REFERRALS_AFTER, REFERRALS_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("info", "0005_visit_info")]

    operations = [migrations.RunPython(update_pages, restore_previous)]
