"""The Webhooks page's forms. The rules are the service's (webhooks.services.clean_*): the
forms only collect the input, so a message is worded once."""

from __future__ import annotations

from django import forms

from cybergate.lib.forms import DescribedErrorsMixin
from webhooks.events import EVENT_TYPES
from webhooks.models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH


class EndpointForm(DescribedErrorsMixin, forms.Form):
    url = forms.CharField(
        label="URL",
        strip=False,  # the service trims and checks
        widget=forms.URLInput(attrs={"maxlength": URL_MAX_LENGTH, "autocomplete": "off"}),
        help_text="Where the events are POSTed, e.g. https://hooks.example.com/cybergate.",
        error_messages={"required": "Enter the URL."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": DESCRIPTION_MAX_LENGTH}),
        help_text=f"Optional; at most {DESCRIPTION_MAX_LENGTH} characters.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        required=False,
        choices=[(name, name) for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="None checked: every event, including those added later.",
        error_messages={"invalid_choice": "Unknown event type: %(value)s."},
    )

    def event_choices(self) -> list[tuple[forms.boundfield.BoundWidget, str]]:
        """Each event's checkbox with what its `data` is (apisecrets/_permissions_field.html)."""
        return [(choice, EVENT_TYPES[choice.data["value"]]) for choice in self["event_types"]]


class RecoverForm(DescribedErrorsMixin, forms.Form):
    since = forms.DateTimeField(
        label="Failed since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Every failed message created since then is sent again (your time zone).",
        error_messages={
            "required": "Enter a date and time.",
            "invalid": "Enter a date and time, e.g. 2026-12-01 08:00.",
        },
    )
