"""One place that answers "what is this user's role" and where their home page is."""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest

ADMIN_GROUP = "Program admin"
MANAGER_GROUP = "House manager"
MENTOR_GROUP = "Mentor"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MENTOR = "mentor"
    NONE = "none"


def role_of(user) -> Role:
    """The user's role, computed once per user object (one query at most)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Role.NONE
    cached = getattr(user, "_role_cache", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        if ADMIN_GROUP in names:
            role = Role.ADMIN
        elif MANAGER_GROUP in names:
            role = Role.MANAGER
        elif MENTOR_GROUP in names:
            role = Role.MENTOR
        else:
            role = Role.NONE
    user._role_cache = role
    return role


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def is_manager(user) -> bool:
    return role_of(user) == Role.MANAGER


def is_staff_role(user) -> bool:
    """Program admins and house managers: the people who see resident records."""
    return role_of(user) in (Role.ADMIN, Role.MANAGER)


def is_mentor(user) -> bool:
    return role_of(user) == Role.MENTOR


def home_url_name(user) -> str:
    role = role_of(user)
    if role == Role.MENTOR:
        return "activity_log:my_mentees"
    if role in (Role.ADMIN, Role.MANAGER):
        return "activity_log:dashboard"
    return "no_role"


def require_role(request: HttpRequest, *roles: Role) -> Role:
    """404 unless the user has one of the roles: outsiders learn nothing about what exists."""
    role = role_of(request.user)
    if role not in roles:
        raise Http404
    return role


def role_required(*roles: Role):
    """Login required, then 404 for any other role. Use on every view that shows records."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_role(request, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)
staff_required = role_required(Role.ADMIN, Role.MANAGER)
staff_or_mentor_required = role_required(Role.ADMIN, Role.MANAGER, Role.MENTOR)
mentor_required = role_required(Role.MENTOR)
