from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kpo import health, help

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("help/<slug:page>/", help.help_page, name="help"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("vendors.api.csv_urls")),
    path("api/v1/", include("kpo.api.urls")),
    path("account/", include("kpo.urls_account")),
    path("account/", include("engagements.organizations.urls_account")),
    path("api/v1/", include("engagements.api.urls")),
    path("api/v1/", include("vendors.api.urls")),
    path("vendors/", include("vendors.urls")),
    path("requirements/", include("engagements.requirements.urls")),
    path("engagements/", include("engagements.delivery.urls")),
    path("rfps/", include("engagements.rfp.urls")),
    path("portal/team/", include("engagements.organizations.urls")),
    path("portal/", include("engagements.urls_vendor")),
    path("", include("engagements.urls")),
]

admin.site.site_header = _("KPO Match administration")
admin.site.site_title = _("KPO Match admin")
admin.site.index_title = _("Platform operations")

handler400 = "kpo.errors.bad_request"
handler403 = "kpo.errors.permission_denied"
handler404 = "kpo.errors.not_found"
handler500 = "kpo.errors.server_error"

if settings.BENCH_REFERENCE_VIEW:
    urlpatterns.insert(0, path("api/bench/", include("vendors.api.bench_urls")))
