from django.contrib import admin
from django.urls import include, path

from accounts import oauth_views
from accounts import views as account_views

urlpatterns = [
    # The admin's sign-in page links "Forgotten your password?" here: the same reset as the site's.
    path("admin/password_reset/", account_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("admin/", admin.site.urls),
    path("v1/", include("core.api.urls")),
    # OAuth 2.1: /oauth/authorize, /oauth/token, /oauth/revoke, /oauth/introspect, /oauth/register and
    # the RFC 8414 / RFC 9728 discovery documents under /.well-known/ (see docs/oauth.md).
    path("", include((oauth_views.urlpatterns, "oauth2_provider"))),
    path("settings/authorized-apps/", oauth_views.authorized_apps_view, name="oauth-authorized-apps"),
    path("settings/developer/webhooks/", include("webhooks.urls")),
    # The dispatch board: the team's week by engineer (see docs/jobs.md).
    path("board/", include("jobs.board.urls")),
    # My day: the signed-in engineer's jobs and their job pages, phone first (see docs/jobs.md).
    path("day/", include("jobs.field.urls")),
    # The demo's sent mail (only while no EMAIL_URL is configured; see core/outbox.py).
    path("", include("core.outbox_views")),
    # Sign-in, password change, team switcher and Settings > Developer (see docs/settings-page.md).
    path("", include("accounts.urls")),
]
