from django.contrib import auth

from accounts.signin import is_signed_in


class SecondFactorRequiredMiddleware:
    """Ends every session that is signed in without its second factor.

    The sign-in pages never make such a session; but sessions from before two-factor sign-in, and
    those of an account whose factor a superuser has reset, would otherwise keep working on every
    page that only asks whether someone is signed in (previews, the admin). Placed after django-otp's
    OTPMiddleware, which tells whether the session's device verified this user.

    A request without a session cookie loads no user here: its session is empty.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not is_signed_in(request.user):
            auth.logout(request)
        return self.get_response(request)
