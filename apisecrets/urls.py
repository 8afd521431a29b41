from django.urls import path
from django.views.generic import RedirectView

from apisecrets import views
from tenants import views as tenant_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api_access"), name="home"),
    path("api-access/", views.api_access, name="api_access"),
    path("api-access/new/", views.api_secret_new, name="api_secret_new"),
    path(
        "api-access/new/test/",
        views.api_secret_new,
        {"test": True},
        name="api_secret_new_test",
    ),
    path(
        "api-access/<uuid:secret_id>/delete/",
        views.api_secret_delete_view,
        name="api_secret_delete",
    ),
    path("api-access/<uuid:secret_id>/", views.api_secret_detail, name="api_secret_detail"),
    path(
        "api-access/<uuid:secret_id>/addresses/",
        views.api_secret_addresses,
        name="api_secret_addresses",
    ),
    path(
        "api-access/<uuid:secret_id>/roll/",
        views.api_secret_roll_view,
        name="api_secret_roll",
    ),
    path(
        "api-access/<uuid:secret_id>/exists/",
        views.api_secret_exists,
        name="api_secret_exists",
    ),
    path("api-access/<uuid:secret_id>/edit/", views.api_secret_edit, name="api_secret_edit"),
    path(
        "api-access/<uuid:secret_id>/disable/",
        views.api_secret_disable,
        name="api_secret_disable",
    ),
    # The "Contact support" button of the API Access page; the form belongs to tenants.
    path(
        "api-access/support-request/",
        tenant_views.support_request_new,
        name="support_request_new",
    ),
]
