"""Browser pages: sign in/out, password change and reset, invitations, the team switcher and Settings."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("invitations/<str:token>/", views.accept_invitation_view, name="accept-invitation"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/switch-team/", views.switch_team, name="switch-team"),
    path("settings/team/", views.team_settings, name="settings-team"),
    path(
        "settings/team/invitations/<uuid:invitation_id>/<str:verb>/",
        views.invitation_action,
        name="invitation-action",
    ),
    path("settings/team/members/<uuid:membership_id>/<str:verb>/", views.member_action, name="member-action"),
    path("settings/developer/", views.developer_settings, name="settings-developer"),
    path("settings/developer/keys/<uuid:key_id>/revoke/", views.revoke_key, name="revoke-key"),
]
