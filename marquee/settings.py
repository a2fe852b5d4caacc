"""Marquee settings: one module, driven by environment variables.

Every variable has an embedded default so that `make run` works on a machine
with nothing but Python: PostgreSQL through `pgserver`, Celery eager, files
on the local disk. See README.md ("Configuration") for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marquee.core.secret_checks import refuse_any_host, require_strong_secret


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MARQUEE_DATA_DIR", BASE_DIR / ".data"))

DEBUG = env_bool("DEBUG", True)
# Signs sessions, password-reset links and (unless JWT_SECRET is set) API tokens.
# The development key is published with the code: with DEBUG off it, a missing
# key or a weak one stops the start-up (see marquee.core.secret_checks).
DEVELOPMENT_SECRET_KEY = "marquee-development-only-secret-key-change-me"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# With DEBUG off '*' in ALLOWED_HOSTS is refused unless this says a proxy checks Host.
ALLOWED_HOSTS_ALLOW_ANY = env_bool("ALLOWED_HOSTS_ALLOW_ANY", False)
if not DEBUG:
    require_strong_secret("SECRET_KEY", SECRET_KEY, published=[DEVELOPMENT_SECRET_KEY])
    if os.environ.get("JWT_SECRET"):
        require_strong_secret(
            "JWT_SECRET", os.environ["JWT_SECRET"], published=[DEVELOPMENT_SECRET_KEY]
        )
    refuse_any_host(ALLOWED_HOSTS, ALLOWED_HOSTS_ALLOW_ANY)
elif not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "mptt",
    "django_countries",
    "graphene_django",
    "corsheaders",
    "marquee.core",
    "marquee.accounts",
    "marquee.films",
    "marquee.merch",
    "marquee.licensing",
    "marquee.members",
    "marquee.storefront",
    "marquee.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marquee.core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marquee.storefront.locale.StorefrontLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marquee.graphql.core.auth.JWTAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marquee.urls"
WSGI_APPLICATION = "marquee.wsgi.application"
ASGI_APPLICATION = "marquee.asgi.application"

# The web storefront's parts, each with its own templates and message catalogue.
STOREFRONT_PARTS = ("shop", "checkout", "account", "member", "licensor")
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each part of the web storefront keeps its templates (and catalogue) with its code.
        "DIRS": [
            BASE_DIR / "marquee" / "storefront" / part / "templates" for part in STOREFRONT_PARTS
        ],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marquee.storefront.context.storefront",
            ]
        },
    }
]

# --- Security ---------------------------------------------------------------
# HSTS is sent on HTTPS responses only (browsers ignore it over plain HTTP).
# TLS usually ends at a proxy: it must say so with X-Forwarded-Proto, trusted
# either by gunicorn (--forwarded-allow-ips, 127.0.0.1 by default) or by
# Django through SECURE_PROXY_SSL_HEADER, e.g. "HTTP_X_FORWARDED_PROTO,https".
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Off by default: the proxy in front usually redirects HTTP to HTTPS itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. 'HTTP_X_FORWARDED_PROTO,https'"
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = os.environ.get(
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin"
)
# Session and CSRF cookies (the admin) travel over HTTPS only when DEBUG is off.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Content-Security-Policy (marquee.core.security_headers): API responses are
# JSON and load nothing; HTML pages (the admin) load only this site's files;
# GraphiQL, served only when GRAPHIQL_ENABLED, loads its scripts from jsDelivr.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY", "default-src 'none'; frame-ancestors 'none'"
)
CONTENT_SECURITY_POLICY_HTML = os.environ.get(
    "CONTENT_SECURITY_POLICY_HTML",
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_GRAPHIQL = os.environ.get(
    "CONTENT_SECURITY_POLICY_GRAPHIQL",
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://cdn.jsdelivr.net; "
    "font-src 'self' data: https://cdn.jsdelivr.net; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'",
)
# Browser features no Marquee page uses are switched off; payment stays for this origin.
PERMISSIONS_POLICY = os.environ.get(
    "PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(self), usb=()",
)
# CORS (django-cors-headers), for storefronts served from another origin. Only
# the API answers cross-origin requests; tokens travel in the Authorization
# header, so no cookies are allowed across origins. Origins are exact
# (scheme://host[:port]); regexes are comma-separated, so one cannot hold a comma.
CORS_ALLOWED_ORIGINS = env_list(
    "CORS_ALLOWED_ORIGINS",
    ["http://localhost:3000", "http://127.0.0.1:3000"] if DEBUG else [],
)
CORS_ALLOWED_ORIGIN_REGEXES = env_list("CORS_ALLOWED_ORIGIN_REGEXES", [])
CORS_URLS_REGEX = r"^/graphql/"
CORS_ALLOW_METHODS = ["GET", "OPTIONS", "POST"]
# What Saleor's storefront and SDKs send: Authorization (Bearer), Saleor's Authorization-Bearer.
CORS_ALLOW_HEADERS = env_list(
    "CORS_ALLOW_HEADERS", ["accept", "authorization", "authorization-bearer", "content-type"]
)
CORS_ALLOW_CREDENTIALS = False
# Browsers cache a preflight answer this long (most cap it at 2 hours).
CORS_PREFLIGHT_MAX_AGE = env_int("CORS_PREFLIGHT_MAX_AGE", 24 * 3600)

# --- Database -------------------------------------------------------------
# DATABASE_URL selects an external PostgreSQL; without it an embedded server
# is started from the `pgserver` wheel with its data under .data/pg.
# Connections are pooled (psycopg_pool) and bounded, so that a burst of
# requests queues for a connection instead of exhausting the server.
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 1)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 8)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 30)
DB_POOL_ENABLED = env_bool("DB_POOL_ENABLED", True)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL)
else:
    from marquee.embedded_db import embedded_database_settings, ensure_database_exists

    _database = embedded_database_settings(DATA_DIR / "pg")
    ensure_database_exists(_database.pop("_EMBEDDED_SERVER_URI"), _database["NAME"])

_database.setdefault("OPTIONS", {})
if DB_POOL_ENABLED:
    _database["OPTIONS"]["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,
    }
_database["CONN_MAX_AGE"] = 0
_database.setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_marquee")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Argon2 first (new and upgraded hashes); the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation --------------------------------------------------
LANGUAGE_CODE = "en"
# The web storefront's languages; a visitor's choice is kept in a cookie.
# Each part of the storefront keeps its own committed message catalogue.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "marquee" / "storefront" / part / "locale" for part in STOREFRONT_PARTS]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    # S3 (or any S3-compatible endpoint) through django-storages and boto3.
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", False)
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Images are served only through views that check what they show (a hidden
# product's pictures answer 404). How long shared caches and browsers may keep
# a public image: a product hidden later stops being shown within this time.
MEDIA_CACHE_SECONDS = env_int("MEDIA_CACHE_SECONDS", 600)
# With S3, the views redirect to a signed URL valid this long, so the bucket
# can stay private (AWS_QUERYSTRING_AUTH only affects URLs made elsewhere).
MEDIA_SIGNED_URL_SECONDS = env_int("MEDIA_SIGNED_URL_SECONDS", 300)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The order-event outbox (marquee/merch/outbox): how often Celery beat sweeps
# for events whose delivery was lost or failed, and how old an undelivered
# event must be before the sweep takes it from its on-commit task.
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 30)
OUTBOX_SWEEP_GRACE_SECONDS = env_int("OUTBOX_SWEEP_GRACE_SECONDS", 10)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "marquee.merch.outbox.sweep_outbox",
        "schedule": float(OUTBOX_SWEEP_SECONDS),
    }
}
# Unpaid backer subscriptions past their time return their units (members.tasks).
BACKER_EXPIRY_SWEEP_SECONDS = env_int("BACKER_EXPIRY_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE["backer-expiry-sweep"] = {
    "task": "marquee.members.tasks.expire_overdue_subscriptions",
    "schedule": float(BACKER_EXPIRY_SWEEP_SECONDS),
}
# Meet-and-greet lotteries are drawn once their entries close (members.tasks).
LOTTERY_DRAW_SWEEP_SECONDS = env_int("LOTTERY_DRAW_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE["lottery-draw"] = {
    "task": "marquee.members.tasks.draw_closed_lotteries",
    "schedule": float(LOTTERY_DRAW_SWEEP_SECONDS),
}
# Idempotency keys (checkoutComplete, dropReserve) are remembered this long, then purged.
IDEMPOTENCY_KEY_RETENTION_HOURS = env_int("IDEMPOTENCY_KEY_RETENTION_HOURS", 24)
CELERY_BEAT_SCHEDULE["idempotency-key-purge"] = {
    "task": "marquee.core.tasks.purge_idempotency_keys",
    "schedule": 3600.0,
}
# Stock reservations (marquee/merch/reservations): how often Celery beat gives
# expired holds back (they also count as available on read, and a reserve that
# finds nothing sweeps its variant), and how often it reconciles every stock
# row's counters with its reservations and allocations.
RESERVATION_SWEEP_SECONDS = env_int("RESERVATION_SWEEP_SECONDS", 10)
CELERY_BEAT_SCHEDULE["reservation-sweep"] = {
    "task": "marquee.merch.sweep_reservations",
    "schedule": float(RESERVATION_SWEEP_SECONDS),
}
RESERVATION_RECONCILE_SECONDS = env_int("RESERVATION_RECONCILE_SECONDS", 300)
CELERY_BEAT_SCHEDULE["stock-reconcile"] = {
    "task": "marquee.merch.reconcile_stock",
    "schedule": float(RESERVATION_RECONCILE_SECONDS),
}

# --- Shared store: cache, waiting rooms, rate limits ------------------------
# REDIS_URL: the Redis every web process shares. With it the Django cache
# (e.g. a backer programme's sold-out flag), the drops' waiting rooms
# (marquee.core.admission) and the rate limits (marquee.core.rate_limits)
# live there, shared by every worker and kept across a web-process restart;
# without it the cache and the waiting rooms are in-process (one process, the
# embedded default) and the rate limits use a PostgreSQL table. Every Redis
# call times out after 0.5 s (connect and reply), so a Redis that is down
# gives a retryable error, never a hang.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Prepended to every key Marquee writes, so shops or test runs can share a Redis.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "marquee")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX + ":cache",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": 300,
        }
    }
# The longest a waiting buyer is told to wait before asking again (retryAfter):
# how soon a waiting client hears it was admitted, or that the drop sold out.
ADMISSION_POLL_SECONDS = env_int("ADMISSION_POLL_SECONDS", 2)

# --- Response cache (marquee.graphql.core.response_cache) --------------------
# Public catalogue answers (products, categories, collections, films, menus,
# pages, channels, shop, drops) are kept in the `default` cache above, keyed
# by document, variables, host, pricing segment and the catalogue version
# (moved by PostgreSQL triggers on every catalogue write, core.cache_versions).
GRAPHQL_RESPONSE_CACHE_ENABLED = env_bool("GRAPHQL_RESPONSE_CACHE_ENABLED", True)
# The longest an entry lives (it is also cut at the next known moment, e.g. a
# publication date or a drop's start).
GRAPHQL_RESPONSE_CACHE_SECONDS = env_int("GRAPHQL_RESPONSE_CACHE_SECONDS", 300)
# How stale stock-dependent answers (quantityAvailable, isAvailable, a drop's
# remaining and state) may be; checkoutLinesAdd and checkoutComplete always
# read real stock. 0: answers showing stock are never kept.
GRAPHQL_STOCK_STALENESS_SECONDS = env_int("GRAPHQL_STOCK_STALENESS_SECONDS", 1)
if not REDIS_URL:
    # The in-process cache holds a catalogue's pages, not Django's default 300 entries.
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 2000}

# --- Drops (marquee.merch.drops) ---------------------------------------------
# Rate limits of the drop mutations (dropJoin, dropReserve): requests per
# client IP and per signed-in account in a fixed window; 0 switches one off.
# Buyers behind one address (a campus, a mobile carrier's NAT) share its limit.
DROP_RATE_LIMIT_PER_IP = env_int("DROP_RATE_LIMIT_PER_IP", 60)
DROP_RATE_LIMIT_PER_ACCOUNT = env_int("DROP_RATE_LIMIT_PER_ACCOUNT", 20)
DROP_RATE_LIMIT_WINDOW_SECONDS = env_int("DROP_RATE_LIMIT_WINDOW_SECONDS", 10)
# How often Celery beat sets or clears the sold-out flag of open drops from their stock
# (units given back by expiry or cancellation put a sold-out drop on sale again).
DROP_SOLD_OUT_REFRESH_SECONDS = env_int("DROP_SOLD_OUT_REFRESH_SECONDS", 10)
CELERY_BEAT_SCHEDULE["drop-sold-out-refresh"] = {
    "task": "marquee.merch.drops.tasks.refresh_sold_out_flags",
    "schedule": float(DROP_SOLD_OUT_REFRESH_SECONDS),
}

# --- Shop -------------------------------------------------------------------
SHOP_NAME = os.environ.get("SHOP_NAME", "Marquee")
SHOP_DESCRIPTION = os.environ.get(
    "SHOP_DESCRIPTION",
    "Officially licensed film merchandise, with royalties paid to every licensor.",
)
DEFAULT_COUNTRY = os.environ.get("DEFAULT_COUNTRY", "CN")
# Kosovo (XK) is a country for addresses, shipping zones, tax rates and licence
# territories, as in Saleor and Google's address data, though ISO 3166 has not
# assigned it; django-countries leaves it out unless told. `EU` stays out: the
# API's CountryCode accepts it (Saleor lists it) but an address needs a country.
COUNTRIES_OVERRIDE = {"XK": "Kosovo"}
# The largest quantity one checkout line may hold; also caps quantityAvailable
# the way Saleor does, so stock levels are not disclosed beyond what a buyer needs.
MAX_CHECKOUT_LINE_QUANTITY = env_int("MAX_CHECKOUT_LINE_QUANTITY", 50)
# Sizes thumbnails are rendered at; a requested size is rounded up to one of these.
THUMBNAIL_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096]

# The licence gate: products are shown and sold only under a valid licence.
# Off only for a shop (or a test suite) whose products carry no licences.
LICENCE_GATE_ENABLED = env_bool("LICENCE_GATE_ENABLED", True)

# --- GraphQL ----------------------------------------------------------------
GRAPHENE = {"SCHEMA": "marquee.graphql.api.schema"}
GRAPHQL_PAGINATION_LIMIT = env_int("GRAPHQL_PAGINATION_LIMIT", 100)
GRAPHQL_QUERY_MAX_DEPTH = env_int("GRAPHQL_QUERY_MAX_DEPTH", 15)
GRAPHQL_QUERY_MAX_COMPLEXITY = env_int("GRAPHQL_QUERY_MAX_COMPLEXITY", 50000)
GRAPHQL_MAX_BATCH_SIZE = env_int("GRAPHQL_MAX_BATCH_SIZE", 10)
# One cost budget for the whole request: a batch's operations share it.
GRAPHQL_REQUEST_MAX_COMPLEXITY = env_int(
    "GRAPHQL_REQUEST_MAX_COMPLEXITY", GRAPHQL_QUERY_MAX_COMPLEXITY
)
# Root query fields (aliases count) per request: each one resolves on its own.
GRAPHQL_MAX_ROOT_FIELDS = env_int("GRAPHQL_MAX_ROOT_FIELDS", 20)
# Mutation fields (aliases count) per request, over the whole batch.
GRAPHQL_MAX_ROOT_MUTATIONS = env_int("GRAPHQL_MAX_ROOT_MUTATIONS", 10)
# Connection fields per request: each runs its own SQL, however small its page.
GRAPHQL_MAX_CONNECTIONS = env_int("GRAPHQL_MAX_CONNECTIONS", 20)
# Aliased fields per document (Saleor's GRAPHQL_ALIAS_COUNT_LIMIT): scalars are
# free in the cost model, and aliases are what would repeat them.
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 100)
# Tokens one document may hold: parsing and validating take time in proportion.
GRAPHQL_MAX_QUERY_TOKENS = env_int("GRAPHQL_MAX_QUERY_TOKENS", 5000)
# A request still executing after this many seconds stops with REQUEST_TIMEOUT;
# its SQL statements get the remaining time as statement_timeout. 0 disables.
GRAPHQL_REQUEST_DEADLINE_SECONDS = env_int("GRAPHQL_REQUEST_DEADLINE_SECONDS", 5)
# Deepest nesting of arrays and objects in a JSON body or `variables`.
GRAPHQL_MAX_JSON_DEPTH = env_int("GRAPHQL_MAX_JSON_DEPTH", 64)
# Schema introspection (__schema, __type); __typename is always answered.
GRAPHQL_INTROSPECTION_ENABLED = env_bool("GRAPHQL_INTROSPECTION_ENABLED", DEBUG)
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", DEBUG)

# --- Persisted queries and HTTP caching --------------------------------------
# Automatic persisted queries (Apollo's `extensions.persistedQuery`): documents
# registered by hash live in the `default` cache (Redis with REDIS_URL) this long,
# with an in-process copy in front. Off: hashes are answered PersistedQueryNotSupported.
GRAPHQL_PERSISTED_QUERIES_ENABLED = env_bool("GRAPHQL_PERSISTED_QUERIES_ENABLED", True)
GRAPHQL_PERSISTED_QUERY_SECONDS = env_int("GRAPHQL_PERSISTED_QUERY_SECONDS", 7 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
    },
}

# --- Accounts and tokens ----------------------------------------------------
# JSON Web Tokens as Saleor issues them: a short-lived access token sent as
# `Authorization: Bearer ...`, and a long-lived refresh token to get new ones.
# Every token's issuer (`iss`) is PUBLIC_URL + "/graphql/", which Saleor's
# storefront compares with its NEXT_PUBLIC_SALEOR_API_URL: the two must be
# the same address, and changing PUBLIC_URL signs every shopper out.
JWT_SECRET = os.environ.get("JWT_SECRET", "") or SECRET_KEY
JWT_ALGORITHM = "HS256"
JWT_ACCESS_TOKEN_LIFETIME_SECONDS = env_int("JWT_ACCESS_TOKEN_LIFETIME_SECONDS", 5 * 60)
JWT_REFRESH_TOKEN_LIFETIME_SECONDS = env_int("JWT_REFRESH_TOKEN_LIFETIME_SECONDS", 30 * 24 * 3600)
# Password checks allowed per email and client IP within the window (tokenCreate,
# admin login), and per user for passwordChange's old password. Each attempt is
# counted before its password is checked; over the limit even the right one is
# refused (LOGIN_ATTEMPT_DELAYED) until the window, from the first attempt, ends.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
# Attempts allowed per email from any address: guessing spread over many clients.
LOGIN_FAILURE_LIMIT_PER_EMAIL = env_int("LOGIN_FAILURE_LIMIT_PER_EMAIL", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Where attempt counters live, shared by every worker: Redis when set (default
# REDIS_URL), otherwise a PostgreSQL table.
LOGIN_THROTTLE_REDIS_URL = os.environ.get("LOGIN_THROTTLE_REDIS_URL", REDIS_URL)
# The admin login goes through the same limit as tokenCreate.
AUTHENTICATION_BACKENDS = ["marquee.accounts.backends.ThrottledModelBackend"]
# A second reset, deletion or "already registered" email to the same address
# within this time is not sent.
ACCOUNT_EMAIL_INTERVAL_SECONDS = env_int("ACCOUNT_EMAIL_INTERVAL_SECONDS", 60)
# Sign-up with a redirectUrl always mails a confirmation link; when this is on,
# the link is required and sign-in waits for it (Saleor's "confirm by email").
ACCOUNT_CONFIRMATION_REQUIRED = env_bool("ACCOUNT_CONFIRMATION_REQUIRED", False)
ACCOUNT_MAX_ADDRESSES = env_int("ACCOUNT_MAX_ADDRESSES", 100)
# Hosts a `redirectUrl` (password reset, account deletion links) may point at.
ALLOWED_CLIENT_HOSTS = env_list("ALLOWED_CLIENT_HOSTS", ["localhost", "127.0.0.1"])

# --- Orders and payments ----------------------------------------------------
# Stripe: with STRIPE_SECRET_KEY set the Stripe gateway is offered; webhooks
# are verified with STRIPE_WEBHOOK_SECRET. STRIPE_API_BASE points the SDK at
# another endpoint (localstripe in tests and local development).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# A webhook for a payment not yet recorded here is retried this often, this many times.
STRIPE_WEBHOOK_RETRY_SECONDS = env_int("STRIPE_WEBHOOK_RETRY_SECONDS", 5)
STRIPE_WEBHOOK_MAX_RETRIES = env_int("STRIPE_WEBHOOK_MAX_RETRIES", 12)
# The offline test gateway marks orders as paid and takes no money. It is off
# unless OFFLINE_PAYMENTS_ENABLED=1 (the demo and the tests turn it on), and
# with DEBUG off the shop refuses to start with it unless
# OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY=1 says so too (a load test
# against a production-like server, never a shop that sells).
OFFLINE_PAYMENTS_ENABLED = env_bool("OFFLINE_PAYMENTS_ENABLED", False)
OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY = env_bool(
    "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY", False
)
if OFFLINE_PAYMENTS_ENABLED and not DEBUG and not OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY:
    raise ImproperlyConfigured(
        "OFFLINE_PAYMENTS_ENABLED is on while DEBUG is off: the offline test gateway marks "
        "orders as paid without taking any money. Configure Stripe and unset "
        "OFFLINE_PAYMENTS_ENABLED, or, for a test server that must take no money, also set "
        "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY=1."
    )

# --- Email ------------------------------------------------------------------
# Printed to the console unless EMAIL_URL (smtp://user:pass@host:587,
# smtps://... for implicit TLS) or EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Marquee <noreply@marquee.example>")
EMAIL_URL = os.environ.get("EMAIL_URL", "")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    EMAIL_HOST = _email.hostname or ""
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "smtp" and EMAIL_PORT == 587
elif EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
