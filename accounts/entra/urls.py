from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns
from django.urls import path

from accounts.entra import views
from accounts.entra.provider import MicrosoftProvider

urlpatterns = [
    *default_urlpatterns(MicrosoftProvider),
    path("microsoft/reauthenticate/", views.reauthenticate, name="microsoft_reauthenticate"),
    path(
        "microsoft/reauthenticate/done/",
        views.reauthenticated,
        name="microsoft_reauthenticated",
    ),
]
