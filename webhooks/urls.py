from django.urls import path

from webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/new/", views.webhook_new, name="webhook_new"),
    path("webhooks/<uuid:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<uuid:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<uuid:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<uuid:endpoint_id>/secret/", views.webhook_secret, name="webhook_secret"),
    path("webhooks/<uuid:endpoint_id>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<uuid:endpoint_id>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<uuid:endpoint_id>/disable/", views.webhook_disable, name="webhook_disable"),
    path("webhooks/<uuid:endpoint_id>/recover/", views.webhook_recover, name="webhook_recover"),
    path(
        "webhooks/<uuid:endpoint_id>/messages/<uuid:message_id>/resend/",
        views.webhook_resend,
        name="webhook_resend",
    ),
]
