"""Form helpers shared by the portal's forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from cybergate.lib.errors import ServiceError

if TYPE_CHECKING:
    from django.forms import BaseForm

    _FormBase = BaseForm  # the mixin's attributes and super() calls are a form's
else:
    _FormBase = object

# What a service refuses with: input errors (ValidationError) and refusals of the state.
REFUSALS = (ValidationError, ServiceError)


def add_refusal(form: BaseForm, refusal: ValidationError | ServiceError) -> None:
    """Show on `form` why a service said no: input errors on their fields ({"name": …}), a
    refusal of the state (a limit, a secret rolled meanwhile) above the form."""
    if isinstance(refusal, ServiceError):
        refusal = ValidationError(refusal.message, code=refusal.code)
    form.add_error(None, refusal)


class DescribedErrorsMixin(_FormBase):
    """Point each invalid input's aria-describedby at its error message.

    Django marks invalid inputs aria-invalid but leaves the message unconnected, so a screen
    reader user hears "invalid" without the reason. Templates render the message with the id
    `<auto_id>_error` (templates/_field.html). Mix into a form class, before its Django base.
    """

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                # Setting the attribute switches off Django's own help-text link: keep both.
                ids = [f"{bound.auto_id}_helptext"] if bound.help_text else []
                ids.append(f"{bound.auto_id}_error")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)
