"""What the claims of an Entra id token say about who signs in, and which of them a person can
choose.

- `acct`: 0 for a member of the organisation that issued the token, 1 for a guest. Without it
  (the app registration lacks the optional claim) membership is unknown: treated as a guest.
- `preferred_username`: for a member, the user principal name, which only the organisation's
  admins set, in a domain the organisation verified. A guest's is their own, from elsewhere.
- `email`: the user's mail attribute, which Entra does not verify: it counts only when Entra says
  the organisation verified its domain (`xms_edov: true`, an optional claim).
"""

from __future__ import annotations


def is_member(claims: dict) -> bool:
    return claims.get("acct") == 0


def _address(value: object) -> str | None:
    address = str(value or "").strip().lower()
    return address if "@" in address else None


def trusted_addresses(claims: dict) -> dict[str, str]:
    """The addresses the person's organisation vouches for, each with the claim that says so
    (`verified_email`, `user_principal_name`), the verified email first; none for a guest. Only
    these may match a login on a first sign-in or name a new one."""
    if not is_member(claims):
        return {}
    found: dict[str, str] = {}
    if claims.get("xms_edov") is True and (email := _address(claims.get("email"))):
        found[email] = "verified_email"
    if (upn := _address(claims.get("preferred_username"))) and upn not in found:
        found[upn] = "user_principal_name"
    return found


def claimed_addresses(claims: dict) -> list[str]:
    """Every address the token names, whoever chose it."""
    names = (claims.get("email"), claims.get("preferred_username"))
    return sorted({a for a in map(_address, names) if a})
