"""Every URL of the application (docs/web.md lists them; keep the two in step, the browser tests
depend on these paths). Ids in paths are inventory ids (core/ids.ID_RE) and SHA-256 digests."""

from __future__ import annotations

from django.urls import path, register_converter

from secaudit.web.views import agency, auth, department, errors, inspector, manage, static


class IdConverter:
    regex = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ReqConverter:  # requirement ids: N3.NET.01, M.POL.01, ANM.INFO.06
    regex = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ShaConverter:
    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(ReqConverter, "req")
register_converter(ShaConverter, "sha")

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("lang/", auth.set_language, name="lang"),
    path(".well-known/security.txt", static.security_txt, name="security_txt"),
    path("static/<str:name>", static.asset, name="static"),
    # agency
    path("agency/", agency.home, name="agency_home"),
    path("agency/bundles/", agency.bundles, name="agency_bundles"),
    path("agency/system/<id:agency_id>/<id:system_id>/", agency.system, name="agency_system"),
    path(
        "agency/system/<id:agency_id>/<id:system_id>/req/<req:req_id>/",
        agency.requirement,
        name="agency_requirement",
    ),
    path("agency/system/<id:agency_id>/<id:system_id>/submit/", agency.submit, name="agency_submit"),
    path("agency/system/<id:agency_id>/<id:system_id>/export.yaml", agency.export_yaml, name="agency_export"),
    path("agency/system/<id:agency_id>/<id:system_id>/import/", agency.import_yaml, name="agency_import"),
    # any role that may see the system
    path("system/<id:agency_id>/<id:system_id>/report/", department.report, name="system_report"),
    path("evidence/<id:agency_id>/<id:system_id>/<sha:sha256>/", agency.evidence, name="evidence"),
    # inspector
    path("inspector/", inspector.queue, name="inspector_queue"),
    path("inspector/review/<id:agency_id>/<id:system_id>/", inspector.review, name="inspector_review"),
    # department
    path("department/", department.dashboard_view, name="department_dashboard"),
    path("department/late/", department.late, name="department_late"),
    path("department/changes/", department.changes, name="department_changes"),
    path("department/agency/<id:agency_id>/", department.agency, name="department_agency"),
    path("department/system/<id:agency_id>/<id:system_id>/", department.system, name="department_system"),
    path(
        "department/system/<id:agency_id>/<id:system_id>/req/<req:req_id>/",
        department.requirement,
        name="department_requirement",
    ),
    path("department/mau08.xlsx", department.mau08_xlsx, name="department_mau08_xlsx"),
    path("department/mau08.html", department.mau08_html, name="department_mau08_html"),
    path("department/inventory/", manage.inventory, name="department_inventory"),
    path("department/keyring/", manage.keyring, name="department_keyring"),
    path("department/tailoring/", manage.tailoring, name="department_tailoring"),
    path("department/log/", department.audit_log, name="department_log"),
]

handler400 = errors.bad_request
handler403 = errors.forbidden
handler404 = errors.not_found
handler500 = errors.server_error
