"""activity_log's URLs, one module per area so each can grow on its own."""

from activity_log.contacts import urls as contact_urls
from activity_log.feedback import urls as feedback_urls
from activity_log.privacy import urls as privacy_urls
from activity_log.reports import urls as dashboard_urls

app_name = "activity_log"

urlpatterns = [
    *contact_urls.urlpatterns,
    *dashboard_urls.urlpatterns,
    *privacy_urls.urlpatterns,
    *feedback_urls.urlpatterns,
]
