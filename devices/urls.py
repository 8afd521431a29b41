from django.urls import path

from devices import views

urlpatterns = [
    path("call-log/", views.call_log, name="call_log"),
    path("call-log.csv", views.call_log_csv, name="call_log_csv"),
]
