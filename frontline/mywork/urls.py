from django.urls import path

from . import views

app_name = "mywork"
urlpatterns = [
    path("work/", views.InboxView.as_view(), name="inbox"),
    path("work/<int:alert_id>/ack/", views.AcknowledgeView.as_view(), name="ack"),
    path("work/<int:alert_id>/resolve/", views.ResolveView.as_view(), name="resolve"),
]
