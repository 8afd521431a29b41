"""What an API secret may do: one DRF permission class, driven by each view's declaration.

Every customer API view names the permission its operations need (`required_permission =
"door_open"`, pretix-style); this class checks it against the authenticated secret, and counts
the request, allowed or refused, for the chart on the secret's page. A view without a
declaration is a programming error, caught by tests/api/test_secret_permissions.py.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from apisecrets.authentication import count_refused, count_use
from apisecrets.models import PERMISSIONS
from cybergate.lib.problems import Problem


class SecretPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        secret = request.auth
        if secret is None:
            return False  # DRF answers 401 for an unauthenticated request
        # A method the view does not offer is 405, whatever the secret may do.
        if hasattr(view, request.method.lower()):
            needed = view.required_permission
            if not secret.has_permission(needed):
                count_refused(secret)
                raise Problem(
                    403,
                    "insufficient_permission",
                    f"This API secret lacks the permission '{needed}' "
                    f"({PERMISSIONS[needed][1].lower()}). Create or roll a secret with it.",
                )
        count_use(secret)
        return True
