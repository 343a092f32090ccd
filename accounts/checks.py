from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_no_two_factor_exemptions(app_configs, **kwargs):
    """Every exemption from the second factor is a staff account that a password alone opens."""
    exempt = settings.STAFF_2FA_EXEMPT_USERNAMES
    if not exempt:
        return []
    return [
        Warning(
            f"STAFF_2FA_EXEMPT_USERNAMES lists {len(exempt)} account(s) that sign in with a password alone: "
            f"{', '.join(exempt)}.",
            hint="Leave STAFF_2FA_EXEMPT_USERNAMES empty in production; it is for the demo account of `make run`.",
            id="accounts.W001",
        )
    ]
