from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.AreaTreeView.as_view(), name="tree"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="detail"),
    path("<int:pk>/children/", views.AreaChildrenView.as_view(), name="children"),
    path("<int:parent_pk>/new/", views.AreaFormView.as_view(), name="create"),
    path("<int:pk>/edit/", views.AreaFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.AreaDeleteView.as_view(), name="delete"),
]
