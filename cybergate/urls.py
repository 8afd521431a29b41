from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from cybergate import health
from cybergate.lib import metrics
from tenants import views as tenant_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("cybergate.api")),
    path("device-api/v1/", include("gateway.urls")),
    path(
        "device-api/schema/",
        SpectacularAPIView.as_view(custom_settings=settings.GATEWAY_SCHEMA_SETTINGS),
        name="device-api-schema",
    ),
    path(
        "device-api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="device-api-schema", title=settings.GATEWAY_SCHEMA_SETTINGS["TITLE"]
        ),
        name="device-api-docs",
    ),
    # Under /accounts/ with the Security page it is linked from (the nav marks it current).
    path("accounts/time-zone/", tenant_views.time_zone_settings, name="time_zone_settings"),
    # Not allauth's email page: a login's address is support's to set (it signs in).
    path("accounts/email/", account_views.no_email_page),
    # Sign-in, sign-out, password reset and change, MFA (django-allauth).
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("audit.urls")),
    path("", include("devices.urls")),
    path("", include("apisecrets.urls")),
    path("", include("webhooks.urls")),
]

# Errors raised outside DRF keep the problem-details format under /api/ and /device-api/.
handler400 = "cybergate.lib.problems.handler400"
handler403 = "cybergate.lib.problems.handler403"
handler404 = "cybergate.lib.problems.handler404"
handler500 = "cybergate.lib.portalerrors.handler500"
