from django.urls import path

from audit import views

urlpatterns = [
    path("audit-trail/", views.audit_trail, name="audit_trail"),
]
