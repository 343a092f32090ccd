from django.conf import settings


def clinic(request):
    """The clinic's contact details, shown in the header and footer of every page."""
    return {
        "clinic": {
            "name": settings.CLINIC_NAME,
            "address": settings.CLINIC_ADDRESS,
            "phone": settings.CLINIC_PHONE,
            "email": settings.CLINIC_EMAIL,
            "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
            "time_zone": settings.TIME_ZONE.replace("_", " "),
        }
    }
