from django.contrib import admin
from django.urls import include, path

from cybergate import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("cybergate.api")),
    path("device-api/v1/", include("devices.gateway_urls")),
    path("accounts/", include("tenants.urls")),
    path("", include("audit.urls")),
    path("", include("devices.urls")),
    path("", include("apisecrets.urls")),
]
