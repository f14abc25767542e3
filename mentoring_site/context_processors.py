"""Template context every page gets: the signed-in person's role and whether the menu shows."""

from __future__ import annotations

from django.http import HttpRequest

from mentoring_site.roles import Role, role_of
from mentoring_site.security import passed_mfa


def role_context(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user)
    staff = role in (Role.ADMIN, Role.MANAGER)
    # Staff on the two-factor step see no menu of pages they cannot open yet.
    if staff and not passed_mfa(request):
        return {"role": "", "is_staff_role": False, "is_mentor_role": False, "menu": False}
    return {
        "role": role.value,
        "is_staff_role": staff,
        "is_mentor_role": role == Role.MENTOR,
        "menu": True,
    }
