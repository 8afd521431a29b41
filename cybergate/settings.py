"""CyberGate portal settings.

Configured by environment variables only (see README "Configuration"). Safe local defaults: SQLite,
DEBUG off unless asked, local-memory cache. A malformed value stops start-up with a message naming
the variable.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from cybergate.lib import env
from cybergate.lib.logformat import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "1.0.0"
API_VERSION = "1.0"

DEBUG = env.boolean("DEBUG", default=False)
# The default is for local use only; `manage.py check --deploy` flags it ("django-insecure-").
SECRET_KEY = env.string(
    "SECRET_KEY", default="django-insecure-local-development-key-do-not-use-in-production"
)

# Keyed hash of API secrets and device credentials. SECRET_PEPPER_OLD (comma separated) keeps
# secrets hashed with a previous pepper working while they are re-hashed on first use.
SECRET_PEPPER = env.string("SECRET_PEPPER", default="") or SECRET_KEY
SECRET_PEPPER_OLD = env.strings("SECRET_PEPPER_OLD", default=[])

ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.strings("CSRF_TRUSTED_ORIGINS", default=[])

# Load balancers / reverse proxies whose X-Forwarded-For is believed (cybergate/lib/clientinfo.py
# client_ip, the one place that reads it). Empty: REMOTE_ADDR is the client, whatever it sends.
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES")
# Rate limits and sign-in lockouts count an IPv6 client as its network of this many bits (one
# subscriber's /64 by default, where any address is the client's to pick;
# cybergate/lib/clientinfo.py limit_key). Audit entries and logs keep the full address.
IPV6_LIMIT_PREFIX = env.integer("IPV6_LIMIT_PREFIX", default=64, minimum=1, maximum=128)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth's passkey list ("last used 3 days ago")
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    # Sign-in (django-allauth): see "Sign-in" below. "Sign in with Microsoft" (accounts.entra)
    # is always installed, so the schema does not depend on the environment; it is offered only
    # when ENTRA_CLIENT_ID is set.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "accounts.entra",
    "csp",
    "cybergate.apps.CyberGateConfig",
    "tenants",
    "accounts",
    "apisecrets",
    "audit",
    "callgroups",
    "devices",
    "gateway",
    "sandbox",
    "webhooks",
    "demo",
]

MIDDLEWARE = [
    # Outermost, so it times and counts every answer (cybergate/lib/metrics.py);
    # METRICS_ENABLED=false leaves it out.
    "cybergate.lib.metrics.HttpMetricsMiddleware",
    # First, so every /api/ and /device-api/ answer (redirects and errors too) carries its id.
    "cybergate.lib.requestid.RequestIdMiddleware",
    # API-Version on every /api/ answer (cybergate/lib/versioning.py).
    "cybergate.lib.versioning.ApiVersionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # GZip for HTML, the schema and API JSON, never the created-secret answer
    # (cybergate/lib/compression.py).
    "cybergate.lib.compression.PortalGZipMiddleware",
    # Logs refused requests (API 401s, every 429) whichever layer refused them.
    "cybergate.lib.security.SecurityLogMiddleware",
    # WhiteNoise, async-capable: no middleware may hold a thread per long-poll under ASGI.
    "cybergate.lib.middleware.WhiteNoiseMiddleware",
    "cybergate.lib.headers.ContentSecurityPolicyMiddleware",
    # A locked-out sign-in is refused here, before sessions (accounts/lockout.py).
    "accounts.middleware.SignInLockoutMiddleware",
    # Session, auth, messages, HTMX and tenant middleware step aside for /api/ (bearer secrets,
    # no sessions): same classes otherwise, see cybergate/apimiddleware.py.
    # An HTMX request sent to the login page goes there whole, with `next`
    # (cybergate/lib/htmxauth.py).
    "cybergate.lib.htmxauth.HtmxLoginRedirectMiddleware",
    "cybergate.apimiddleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "cybergate.apimiddleware.AuthenticationMiddleware",
    # Sign-in: allauth's request context, then the session limits (12 h, 30 min idle) and the
    # MFA requirement of staff and of tenants that ask for it (accounts/middleware.py).
    "allauth.account.middleware.AccountMiddleware",
    # Each tab's request held for re-authentication is carried out by its own (accounts/).
    "accounts.middleware.HeldRequestsMiddleware",
    "cybergate.lib.headers.PrivateCacheMiddleware",
    "cybergate.apimiddleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cybergate.lib.adminguard.AdminNulQueryMiddleware",
    "cybergate.apimiddleware.HtmxMiddleware",
    "cybergate.apimiddleware.TenantMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    # An API request whose path, query string or headers are too long: 414/431 before the view
    # parses anything (cybergate/lib/limits.py; the lean gateway path checks the same). Last, so its
    # answers carry the headers of every other API answer, as the lean path's do.
    "cybergate.lib.limits.RequestLimitsMiddleware",
]

# Prometheus metrics (cybergate/lib/metrics.py): `/metrics` answers only addresses in
# METRICS_ALLOWED (loopback under DEBUG, so `make run` serves it to localhost) or
# `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets 404.
METRICS_ENABLED = env.boolean("METRICS_ENABLED", default=True)
METRICS_ALLOWED = env.networks("METRICS_ALLOWED") or (["127.0.0.0/8", "::1/128"] if DEBUG else [])
METRICS_TOKEN = env.string("METRICS_TOKEN", default="")
if not METRICS_ENABLED:
    MIDDLEWARE.remove("cybergate.lib.metrics.HttpMetricsMiddleware")

ROOT_URLCONF = "cybergate.urls"
WSGI_APPLICATION = "cybergate.wsgi.application"
ASGI_APPLICATION = "cybergate.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
                "cybergate.lib.context_processors.support",
            ],
        },
    },
]

DATABASES = {
    "default": env.database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.integer("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Under ASGI (gunicorn with uvicorn workers, which the device gateway's long-poll needs) Django
# runs each request's synchronous part in a thread of its own, so persistent per-thread
# connections would pile up past PostgreSQL's max_connections. DATABASE_POOL_SIZE > 0 gives each
# process a bounded psycopg pool instead (connections return to it at the end of each request).
DATABASE_POOL_SIZE = env.integer("DATABASE_POOL_SIZE", default=0, minimum=0)  # 0: off
# An unresponsive database must not hold requests for minutes: a connection attempt gives up
# after DATABASE_CONNECT_TIMEOUT, a statement after DATABASE_STATEMENT_TIMEOUT (0: no limit, for
# a long maintenance command), a request waiting for a pooled connection after
# DATABASE_POOL_TIMEOUT; each ends in 503 with Retry-After (cybergate/lib/problems.py).
DATABASE_CONNECT_TIMEOUT = env.integer("DATABASE_CONNECT_TIMEOUT", default=3, minimum=1)
DATABASE_STATEMENT_TIMEOUT = env.number("DATABASE_STATEMENT_TIMEOUT", default=5.0)
DATABASE_POOL_TIMEOUT = env.number("DATABASE_POOL_TIMEOUT", default=5.0, above=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if DATABASE_STATEMENT_TIMEOUT > 0:
        options.setdefault(
            "options", f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        )
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # "closing" returns the connection to the pool
        options["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL + immediate transactions: concurrent writers wait instead of failing with "locked".
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_URL = env.redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "tenants.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.time_zone("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env.boolean("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env.boolean("STATIC_MANIFEST", default=False)
if WHITENOISE_USE_FINDERS:
    # Without collectstatic, files come from the app folders; STATIC_ROOT need not exist yet.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_EMAIL = env.email("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _EMAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _EMAIL["EMAIL_TIMEOUT"]
EMAIL_FILE_PATH = _EMAIL["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", default="CyberGate <noreply@localhost>")

# Production hardening, switched on by HTTPS=true (behind a TLS-terminating load balancer).
HTTPS = env.boolean("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Sign-in (django-allauth: account + mfa) -----------------------------------------------
# allauth's backend alone: it signs in by email (and checks permissions like ModelBackend);
# with ModelBackend beside it a wrong password would be hashed twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
MFA_ADAPTER = "accounts.adapter.MfaAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # logins are made by support, not by sign-up
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False  # the cookie ends with the browser; the server limits below
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CyberGate] "
# Creating or deleting an API secret and any MFA change need a sign-in this recent.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.integer("REAUTHENTICATION_MINUTES", default=15) * 60
# Failed sign-ins per client address and per account (email typed), in allauth's syntax
# ("amount/period/per"); counted in the cache, so Redis shares them across processes.
LOGIN_FAILED_RATE_LIMIT = env.matching(
    "LOGIN_FAILED_RATE_LIMIT",
    default="10/m/ip,5/5m/key",
    pattern=r"\d+/\d*[smhd]/(ip|key)(,\d+/\d*[smhd]/(ip|key))*",
    why="expected e.g. '10/m/ip,5/5m/key'",
)
ACCOUNT_RATE_LIMITS = {"login_failed": LOGIN_FAILED_RATE_LIMIT}
PASSWORD_RESET_TIMEOUT = env.integer("PASSWORD_RESET_MINUTES", default=60) * 60
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "CyberGate"
# A failed WebAuthn assertion reaches the security log as a wrong code does; adding a passkey
# uses the portal's words.
MFA_FORMS = {
    "add_webauthn": "accounts.forms.PasskeyAddForm",
    "authenticate_webauthn": "accounts.forms.WebAuthnAuthenticateForm",
    "reauthenticate_webauthn": "accounts.forms.WebAuthnReauthenticateForm",
}
# WebAuthn needs a secure origin; http://localhost counts in browsers, allauth asks to be told.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.boolean(
    "WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=not HTTPS
)
# Sign in with Microsoft (Entra ID, multi-tenant "organizations" app): offered only when
# ENTRA_CLIENT_ID is set. Endpoints come from {ENTRA_AUTHORITY}/organizations/v2.0/.well-known/...
ENTRA_CLIENT_ID = env.string("ENTRA_CLIENT_ID", default="").strip()
ENTRA_CLIENT_SECRET = env.string("ENTRA_CLIENT_SECRET", default="").strip()
ENTRA_AUTHORITY = (
    env.string("ENTRA_AUTHORITY", default="https://login.microsoftonline.com").strip().rstrip("/")
)
if ENTRA_CLIENT_ID and not ENTRA_CLIENT_SECRET:
    raise ImproperlyConfigured("ENTRA_CLIENT_ID is set: set ENTRA_CLIENT_SECRET too")
SOCIALACCOUNT_ADAPTER = "accounts.social.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "microsoft": {
        "APPS": [
            {
                "client_id": ENTRA_CLIENT_ID,
                "secret": ENTRA_CLIENT_SECRET,
                "settings": {"authority": ENTRA_AUTHORITY},
            }
        ]
        if ENTRA_CLIENT_ID
        else [],
        "OAUTH_PKCE_ENABLED": True,
    }
}
SOCIALACCOUNT_AUTO_SIGNUP = True  # the tenant's setting decides (accounts/social.py)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # users are matched by our rules, per tenant
SOCIALACCOUNT_STORE_TOKENS = False  # Microsoft's tokens are not needed after sign-in
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in starts with a POST (CSRF-protected)
SOCIALACCOUNT_ONLY = False
# Sessions: at most SESSION_MAX_AGE_HOURS after sign-in, and SESSION_IDLE_MINUTES without a
# request (accounts/middleware.py); a password change signs out every other session too.
SESSION_MAX_AGE_HOURS = env.number("SESSION_MAX_AGE_HOURS", default=12, above=0)
SESSION_IDLE_MINUTES = env.number("SESSION_IDLE_MINUTES", default=30, above=0)
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE_HOURS * 3600)
# Content-Security-Policy (django-csp, cybergate/lib/headers.py): our own files only, no inline
# script anywhere (Swagger UI loads its init script from /api/docs/?script), no framing.
# data: images are Swagger UI's icons (SVG in its stylesheet).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
if ENTRA_CLIENT_ID:
    # "Sign in with Microsoft" posts to us and is redirected to Entra: form-action covers that.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(ENTRA_AUTHORITY)

# --- Product behaviour that a deployment may tune -----------------------------------------
# (Fixed product rules live with their code: the API-secret limit and expiry warning in
# apisecrets/models.py, the gateway's readiness threshold in cybergate/health.py.)
# The portal's public address, for links in emails (expiry notices).
PORTAL_URL = env.string("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")
# The APIs' public base URL (the `servers` of both OpenAPI schemas); empty: the address each
# schema was fetched from.
PUBLIC_URL = env.string("PUBLIC_URL", default="").rstrip("/")
# Where the portal's help link and error pages send people.
SUPPORT_EMAIL = env.string("SUPPORT_EMAIL", default="support@cybergate.example")
# A form sent without (or with a stale) CSRF cookie gets a portal page, not Django's bare 403.
CSRF_FAILURE_VIEW = "cybergate.lib.portalerrors.csrf_failure"
API_RATE_LIMIT = env.rate("API_RATE_LIMIT", default="600/min")
AUTH_FAILURE_RATE_LIMIT = env.rate("AUTH_FAILURE_RATE_LIMIT", default="30/min")
# How long a process may trust its cached view of a secret (revocation must hold within 1 s).
API_SECRET_CACHE_SECONDS = env.number("API_SECRET_CACHE_SECONDS", default=0.5)
DOOR_OPEN_COMMAND_TTL_SECONDS = env.integer("DOOR_OPEN_COMMAND_TTL_SECONDS", default=15)
# A delivered but unacknowledged command is handed out again after this long (while still valid).
DOOR_OPEN_REDELIVERY_SECONDS = env.number("DOOR_OPEN_REDELIVERY_SECONDS", default=3.0)

# --- Device gateway: how a queued command wakes the device's long-poll (gateway/wakeup.py) ---
# auto: Redis pub/sub when REDIS_URL is set, else a database poll every GATEWAY_DB_POLL_SECONDS.
GATEWAY_WAKEUP = env.choice("GATEWAY_WAKEUP", default="auto", choices=("auto", "redis", "db-poll"))
if GATEWAY_WAKEUP == "redis" and not REDIS_URL:
    raise ImproperlyConfigured("GATEWAY_WAKEUP=redis needs REDIS_URL")
# The Redis channel; give each deployment sharing a Redis its own.
GATEWAY_WAKEUP_CHANNEL = env.matching(
    "GATEWAY_WAKEUP_CHANNEL",
    default="cybergate_commands",
    pattern=r"[\w-]+",
    why="letters, digits, - and _ only",
)
GATEWAY_DB_POLL_SECONDS = env.number("GATEWAY_DB_POLL_SECONDS", default=0.2, above=0)
# With Redis the database is still polled this often, as a safety net.
GATEWAY_SAFETY_POLL_SECONDS = env.number("GATEWAY_SAFETY_POLL_SECONDS", default=1.0, above=0)
# Database connections per gateway process for the lean long-poll (gateway/lean.py).
GATEWAY_DB_THREADS = env.integer("GATEWAY_DB_THREADS", default=4, above=0)
# Long-polls one process holds at most; past it a new poll is refused at once (503 gateway_busy
# with Retry-After) rather than slowing every waiting device down. /readyz turns not-ready near
# it (cybergate/health.py), so a load balancer sends new devices to other processes first.
# The default is what one process served without collapsing in bench/door_open.py (measured:
# fine at 2000 waiting polls, collapsed at 3000). The open-file limit caps it further
# (gateway/capacity.py: soft RLIMIT_NOFILE minus 256).
GATEWAY_MAX_WAITING = env.integer("GATEWAY_MAX_WAITING", default=2000, above=0)
# Measure event-loop stalls of the gateway pool and report the longest in /readyz (benchmarks).
GATEWAY_LOOP_PROBE = env.boolean("GATEWAY_LOOP_PROBE", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apisecrets.authentication.ApiSecretAuthentication"],
    # Every customer API view (cybergate/lib/apiviews.py); the gateway and the schema views name
    # their own.
    "DEFAULT_PERMISSION_CLASSES": ["apisecrets.permissions.SecretPermission"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["cybergate.lib.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cybergate.lib.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cybergate.lib.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CyberGate customer API",
    "DESCRIPTION": (
        "Read call groups, set a Teams user's availability, check an active call, open the door "
        "of the device in that call, and read new call log and audit trail entries. Authenticate "
        "with an API secret from the portal's API Access page: `Authorization: Bearer <secret>`."
        "\n\nEvery answer carries `X-Request-Id`; every authenticated one the IETF `RateLimit-"
        "Policy` and `RateLimit` headers. Timestamps are UTC. Errors are RFC 9457 problem "
        "details (`application/problem+json`) with a stable `code`: besides those listed per "
        "operation, a method an operation does not offer is 405 `method_not_allowed` (with "
        "`Allow`), an `Accept` header without JSON is 406 `not_acceptable`, a body that is not "
        "`application/json` is 415 `unsupported_media_type`, and a database outage is 503 "
        "`service_unavailable` with `Retry-After`."
        "\n\nEach API secret has permissions (`read`, `availability`, `door_open`; each "
        "operation names the one it needs) and optionally allowed addresses: outside them the "
        "answer is 403 `insufficient_permission` or `ip_not_allowed`. Secrets look like "
        "`cgs_` + 46 base62 characters, the last 6 a CRC32 checksum."
        "\n\n**Compatibility within v1.** These may change without a new version, so write "
        "clients that tolerate them: new operations; new optional request fields and query "
        "parameters; new fields in answers (ignore fields you do not know); new values of "
        "every enum in an answer (audit `action`, problem `code`, `status`, `reason`, "
        "`availability`, `result`, actor `type`, ...: each is declared `anyOf` the known values "
        "and any string, so generated clients parse an unknown value instead of failing; treat "
        'it as "other", and for a problem act on the HTTP status); new problem codes for new '
        "situations; new audit actions and log entries in the feeds (acknowledge past entries "
        "you do not handle). We will not, within v1: remove or rename an operation, field or "
        "enum value, change a field's type or meaning, make an optional request field required, "
        "or change the status of an existing problem code. Enums in requests stay closed: the "
        "server refuses values it does not know (400)."
        "\n\nNew here? [Integrate in 10 minutes](/api/docs/guide/): the new-entries loop, a "
        "retry-safe door-open, and a Python client. What changed: the "
        "[changelog](/api/docs/changelog/). Every answer carries `API-Version`."
    ),
    "VERSION": API_VERSION,
    # Replaced by PUBLIC_URL, or the address the schema was fetched from (cybergate.lib.schema).
    "SERVERS": [{"url": "/", "description": "This server"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them inside each operation's toggle button (a link in a
    # button, which screen readers and keyboards cannot use). No syntax colours: their inline
    # colours fail contrast on the dark code blocks.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": {"activated": False}},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api/v1|device-api/v1)",
    # Customer schema by default; the gateway's view swaps the hook (cybergate/urls.py).
    "PREPROCESSING_HOOKS": ["cybergate.lib.schema.customer_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cybergate.lib.schema.close_request_bodies",
        # The webhook events' bodies, before the enums of answers are opened.
        "webhooks.schema.describe_webhooks",
        "cybergate.lib.schema.open_response_enums",
        "cybergate.lib.schema.describe_pages",
        "cybergate.lib.schema.declare_servers",
        "cybergate.lib.schema.declare_headers",
    ],
    # A nullable enum is `{"enum": [...], "nullable": true}`, not a separate NullEnum that some
    # client generators cannot compile.
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    # Several models have a "result"/"status" choice set; give the customer API's stable names.
    "ENUM_NAME_OVERRIDES": {
        "CallResultEnum": "devices.models.Call.Result",
        "DoorOpenCommandStatusEnum": "devices.models.DoorOpenCommand.Status",
        "DoorOpenCommandReasonEnum": "devices.models.DoorOpenCommand.Reason",
        "AvailabilityEnum": "callgroups.models.CallGroupMember.Availability",
        "RingStrategyEnum": "callgroups.models.CallGroup.RingStrategy",
        "ActorTypeEnum": "audit.models.AuditEntry.ActorType",
        "AuditActionEnum": "audit.models.AuditEntry.Action",
        "SandboxDoorOpenEnum": "sandbox.models.SandboxCall.DoorOpen",
        "WebhookEventTypeEnum": "webhooks.serializers.EVENT_TYPE_CHOICES",
        "WebhookMessageStatusEnum": "webhooks.models.Message.Status",
        "WebhookAttemptStatusEnum": "webhooks.models.Attempt.Status",
        # The two shapes of a gateway call event (gateway.serializers.CallEventSchema).
        "CallAnsweredEventTypeEnum": [("answered", "answered")],
        "CallEndEventTypeEnum": [
            ("ended", "ended"),
            ("rejected", "rejected"),
            ("failed", "failed"),
        ],
    },
}
GATEWAY_SCHEMA_SETTINGS = {
    "TITLE": "CyberGate device gateway",
    "DESCRIPTION": (
        "For door stations and the call bridge: report calls, long-poll door-open commands and "
        "acknowledge them. Authenticate with the device credential shown once when support "
        "registered the device: `Authorization: Bearer <credential>`."
        "\n\n**Compatibility within v1:** new fields, enum values (each declared `anyOf` the "
        "known values and any string), problem codes and operations may appear; nothing is "
        "removed, renamed or changes meaning. Ignore what you do not know."
    ),
    "PREPROCESSING_HOOKS": ["cybergate.lib.schema.gateway_endpoints"],
}

LOGGING = logging_config(env.string("LOG_LEVEL", default="INFO"))

# Every line is one JSON object (cybergate/lib/logformat.py); security events (logger
# cybergate.security: cybergate/lib/security.py) are structlog events with their fields.
configure_structlog()

# Webhooks (webhooks/): the delivery worker (`manage.py run_worker`) and its SSRF guard.
# Networks a webhook may reach although they are not public (tests, on-premises receivers).
WEBHOOK_ALLOWED_NETWORKS = env.networks("WEBHOOK_ALLOWED_NETWORKS")
# Multiplies the retry schedule (5 s … 24 h): a small value shortens it for tests and the bench.
WEBHOOK_RETRY_SCALE = env.number("WEBHOOK_RETRY_SCALE", default=1.0, above=0)
# How long a worker holds a claimed attempt; a worker killed mid-delivery is retried after it.
WEBHOOK_LEASE_SECONDS = env.number("WEBHOOK_LEASE_SECONDS", default=60.0, above=0)
# How often a worker looks for due attempts without a wake-up (SQLite: its only way).
WEBHOOK_POLL_SECONDS = env.number("WEBHOOK_POLL_SECONDS", default=0.2, above=0)
WEBHOOK_WORKER_THREADS = env.integer("WEBHOOK_WORKER_THREADS", default=8, minimum=1)
