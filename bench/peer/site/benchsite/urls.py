from django.urls import include, path

urlpatterns = [
    # REST API: /helpdesk/api/tickets/, /helpdesk/api/followups/
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
