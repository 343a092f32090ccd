from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.validators import MaxLengthValidator


class StaffLoginForm(AdminAuthenticationForm):
    """The admin sign-in form with the username's length enforced.

    Django's form only sets the HTML maxlength; django-axes then records each failed username in a
    255-character column, so a longer one was a server error on PostgreSQL. Now it is a field error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
