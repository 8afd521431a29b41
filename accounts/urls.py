from django.urls import path

from accounts import views

urlpatterns = [
    path("users/", views.users, name="tenant_users"),
]
