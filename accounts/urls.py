"""Browser pages: sign in/out, password change, team switcher and Settings > Developer."""

from django.urls import path
from django.views.generic import RedirectView

from accounts import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="settings-developer", permanent=False), name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/team/", views.switch_team, name="switch-team"),
    path("settings/developer/", views.developer_settings, name="settings-developer"),
    path("settings/developer/keys/<uuid:key_id>/revoke/", views.revoke_key, name="revoke-key"),
]
