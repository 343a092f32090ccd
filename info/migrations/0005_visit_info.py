"""The texts of the Visiting us page, made once (staff edit them in the admin afterwards).

What to bring, referrals and insurance are true for any clinic like ours. Step-free access,
parking and public transport describe a building: until the clinic writes its own, they are
demo values and say so on the page.
"""

from django.db import migrations

DEMO = "(Demo text: the clinic replaces this in the admin.)"

VISIT_INFO = {
    "step_free_access": (
        "The main door has no steps and opens on its own. A lift goes to every floor. There is an "
        "accessible toilet and a hoist. " + DEMO
    ),
    "parking": "There are four accessible parking spaces next to the main door. Parking is free. " + DEMO,
    "public_transport": "Bus stop Example Avenue is a two-minute walk away, on a flat path. " + DEMO,
    "what_to_bring": (
        "- your referral letter, if you have one;\n"
        "- X-rays, CT scans or MRI scans from other places, or their reports;\n"
        "- a list of all the medicines you take;\n"
        "- your insurance card and a photo ID;\n"
        "- someone to support you, if you wish."
    ),
    "referrals": (
        "You do not need a referral to book with us. Some insurance plans ask for one: check with "
        "your plan before your visit. If your doctor has written to us, bring a copy of the letter."
    ),
    "insurance": (
        "Bring your insurance card. If you are not sure whether your plan covers your visit, call us "
        "before you come and we will help you find out."
    ),
}


def create_visit_info(apps, schema_editor):
    VisitInfo = apps.get_model("info", "VisitInfo")
    if not VisitInfo.objects.filter(pk=1).exists():
        VisitInfo.objects.create(pk=1, **VISIT_INFO)


def remove_visit_info(apps, schema_editor):
    apps.get_model("info", "VisitInfo").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("info", "0004_corrected_plain_content")]

    operations = [migrations.RunPython(create_visit_info, remove_visit_info)]
