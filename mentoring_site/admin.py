from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring_site.accounts import account_send_set_password_email, account_verify_own_address
from mentoring_site.models import AuditEvent, User

EMAIL_TAKEN = _("An account with this email address already exists.")


class UserInviteForm(forms.ModelForm):
    """The admin's add-user form: no password to type; the person is emailed a link instead."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "preferred_language", "groups"]
        labels = {"groups": _("Role")}
        help_texts = {
            "groups": _(
                "Program admin, House manager or Mentor. Add mentors from the Mentors page "
                "instead: it also creates their profile."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An account without a role can sign in but sees nothing.
        self.fields["groups"].required = True

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        # Addresses are stored lower-case, but older or hand-made rows may not be.
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name and language"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserInviteForm
    add_form_template = "admin/mentoring_site/user/add_form.html"
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                # The language of the invitation email and, once they sign in, of their pages.
                "fields": ("email", "first_name", "last_name", "preferred_language", "groups"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            transaction.on_commit(lambda: self._send_invite(request, obj))
        elif "email" in form.changed_data:
            # The old address must stop receiving this account's password resets.
            account_verify_own_address(user=obj)

    def _send_invite(self, request, user: User) -> None:
        if account_send_set_password_email(user=user):
            messages.info(
                request,
                gettext("A link to set a password was emailed to %(email)s.")
                % {"email": user.email},
            )
        else:
            messages.error(
                request,
                gettext(
                    "The set-password email to %(email)s could not be sent. They can use "
                    "“Forgot your password?” on the sign-in page."
                )
                % {"email": user.email},
            )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail cannot be edited or deleted, here or anywhere."""

    list_display = ["at", "user", "action", "object_type", "object_id", "resident_id", "ip"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["user__email", "object_id", "=resident_id"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    # No bulk "delete selected" either.
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
