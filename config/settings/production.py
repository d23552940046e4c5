"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from ..keys import MIN_DISTINCT, MIN_LENGTH, key_problems
from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
try:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        f"Production settings need SECRET_KEY and ALLOWED_HOSTS in the environment: {exc}"
    ) from exc
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production settings need a non-empty ALLOWED_HOSTS.")
_key_problems = key_problems(SECRET_KEY, BASE_DIR)
if _key_problems:
    raise ImproperlyConfigured(
        "Production settings need a SECRET_KEY of your own, random, at least "
        f"{MIN_LENGTH} characters of {MIN_DISTINCT}+ different ones; this one will not do: "
        + "; ".join(_key_problems)
        + ". Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The header the proxy sets to say the client came over HTTPS ("" when none does).
_ssl_header = env("PROXY_SSL_HEADER", default="X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _ssl_header.upper().replace("-", "_"), "https") if _ssl_header else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS: browsers that saw the site over HTTPS keep to HTTPS for a year (0 turns it off,
# for a first deployment that is not sure of its certificate yet).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Only says the domain consents to browsers' preload lists; it is listed only once its
# owner submits it (hstspreload.org), which takes registrable domains only.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
