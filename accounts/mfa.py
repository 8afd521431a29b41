"""Who must use multi-factor authentication."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from tenants.models import User


def mfa_required_for(user: User) -> bool:
    """Support staff always; a tenant's users when their tenant asks for it."""
    if user.is_staff:
        return True
    return bool(user.tenant is not None and user.tenant.mfa_required)


def mfa_enrolled(user: User) -> bool:
    """A second factor that signs in: recovery codes alone are only the fallback of one."""
    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
