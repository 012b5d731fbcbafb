"""The one settings module. Everything that differs between installations comes from the environment."""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from dangjian.core.files import DIR_MODE, FILE_MODE, private_dir, write_private
from dangjian.core.proxy import trusted_proxies

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


DATA_DIR = Path(env_str("DANGJIAN_DATA_DIR", "dangjian-data")).resolve()


def _data_file_secret(name: str, nbytes: int = 32, tag: str = "") -> str:
    """Read a secret kept in the data directory, creating it on first use.

    Keeps the demo and small installations free of hand-made secrets while never committing one.
    """
    import secrets

    path = DATA_DIR / name
    if not path.exists():
        private_dir(DATA_DIR)
        write_private(path, tag + secrets.token_urlsafe(nbytes))  # 0600 from the start, never readable by others
    return path.read_text().strip()


SECRET_KEY = env_str("DANGJIAN_SECRET_KEY") or _data_file_secret("secret_key")
# Key for sensitive member fields (ID number, phone); separate from SECRET_KEY so it can be rotated alone.
# A new key is tagged "hkdf:": its subkeys are derived by HKDF (core/crypto.py FieldKey; keys.new_secret likewise).
FIELD_KEY = env_str("DANGJIAN_FIELD_KEY") or _data_file_secret("field_key", tag="hkdf:")
# Retired field keys that must still open old values (comma-separated); files field_key.<n> in the data directory
# count too. Cipher for new values: aes-gcm or sm4. See docs/operations.md.
FIELD_KEYS_OLD = [k.strip() for k in env_str("DANGJIAN_FIELD_KEY_OLD").split(",") if k.strip()]
FIELD_CIPHER = env_str("DANGJIAN_FIELD_CIPHER", "aes-gcm").lower()
if FIELD_CIPHER not in ("aes-gcm", "sm4"):
    raise ImproperlyConfigured(f"DANGJIAN_FIELD_CIPHER must be aes-gcm or sm4, not {FIELD_CIPHER!r}")
# Key of the audit log's hash chain (HMAC-SHA256). Kept outside the database, so whoever can write the database
# cannot recompute a consistent chain after altering a row. Changing it makes every existing row fail verification.
AUDIT_KEY = env_str("DANGJIAN_AUDIT_KEY") or _data_file_secret("audit_key")
# Audit records are kept at least 180 days (等保); `dangjian audit prune` refuses anything younger.
AUDIT_RETENTION_DAYS = env_int("DANGJIAN_AUDIT_RETENTION_DAYS", 180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(f"DANGJIAN_AUDIT_RETENTION_DAYS must be at least 180, not {AUDIT_RETENTION_DAYS}")
# Result files of finished background jobs (DATA_DIR/jobs/<id>/) are removed this many days after the job ended.
JOB_RETENTION_DAYS = env_int("DANGJIAN_JOB_RETENTION_DAYS", 30)
if JOB_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"DANGJIAN_JOB_RETENTION_DAYS must be at least 1, not {JOB_RETENTION_DAYS}")

DEBUG = env_bool("DANGJIAN_DEBUG", False)
ALLOWED_HOSTS = [h for h in env_str("DANGJIAN_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.demo",
    "dangjian.sheets",
    "dangjian.assess",
    "dangjian.rectify",
    "dangjian.cadence",
    "dangjian.accountability",
    "dangjian.flows",  # workflows across apps; its `cadence` command runs the listed jobs
    "dangjian.server",
    # The working layer of [003]: workstations and the weekly "两下两上" cycle.
    "dangjian.stations",
    "dangjian.weekly",
    # Problem lists and residents' opinions (docs/working-layer.md).
    "dangjian.problems",
    "dangjian.opinions",
    "dangjian.inspections",
    # Party records: meetings and membership development (docs/records.md).
    "dangjian.partylife",
    # Responsibility lists "三层九岗" (docs/responsibility.md).
    "dangjian.responsibility",
    # 党建+ projects and party-building resources (docs/resources.md).
    "dangjian.resources",
    # The rulebook (rules with their sources, regional overrides) and staffing (docs/rulebook.md).
    "dangjian.rulebook",
    "dangjian.staffing",
    # Party dues (docs/records.md, 党费).
    "dangjian.dues",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "dangjian.core.security.SecurityHeadersMiddleware",
    "dangjian.core.security.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the interface has one language (LANGUAGES), which Django uses without choosing it anew
    # from each request's Accept-Language (tests/test_language.py).
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangjian.core.context.RequestContextMiddleware",
    # Forced password change, idle and absolute session timeouts (after the request context, so audited with address).
    "dangjian.accounts.middleware.SessionPolicyMiddleware",
    "dangjian.core.ratelimit.LoginRateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Lockout after repeated failures, per account and per address separately (等保: 登录失败处理).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dangjian.accounts.backends.GrantsBackend",  # ModelBackend reading the grants with the user
]
AXES_FAILURE_LIMIT = env_int("DANGJIAN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DANGJIAN_LOCKOUT_MINUTES", 10))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.lockout.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "dangjian.core.context.client_ip"  # the same address the audit log records

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # `{% url %}` remembering the addresses of fixed routes (core/templatetags/fixed_urls.py).
            "builtins": ["dangjian.core.templatetags.fixed_urls"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.accounts.duties.duties_context",
                "dangjian.cadence.context.notifications_context",
            ],
        },
    },
    {
        # The rows of the busiest list pages (`{% rows %}`, core/jinja.py), from each app's jinja2/ folder.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "dangjian.core.jinja.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'dangjian.sqlite3'}",
        conn_max_age=env_int("DANGJIAN_DB_CONN_MAX_AGE", 60),
        # A kept connection the server closed (PostgreSQL restarted, a backend terminated, a proxy's idle timeout)
        # is found at the start of the next request and replaced, so that request succeeds (docs/operations.md).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL compiles a query with JIT when the planner's estimate is high, which a scoped list's capped count
    # or a one-character name search reaches at a province's size: 30–50 ms of compiling for a query that then
    # runs in 70 ms (docs/performance.md). JIT pays off on long reports, not on a page's queries, so the app's
    # connections turn it off. DANGJIAN_PG_OPTIONS="" sends no options (a pooler that refuses startup options, or a
    # PostgreSQL-compatible database without the setting).
    pg_options = env_str("DANGJIAN_PG_OPTIONS", "-c jit=off")
    if pg_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = pg_options
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers go on while an import writes; the timeout avoids "database is locked" under load.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first; PBKDF2 and scrypt only so that older hashes still verify (and are rehashed with Argon2 at login).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Identification policy defaults (等保: 身份鉴别). The system administrator changes them on the policy page;
# these values only fill the policy row when it is first created.
DANGJIAN_PASSWORD_MAX_AGE_DAYS = env_int("DANGJIAN_PASSWORD_MAX_AGE_DAYS", 90)
DANGJIAN_IDLE_MINUTES = env_int("DANGJIAN_IDLE_MINUTES", 30)
DANGJIAN_SESSION_HOURS = env_int("DANGJIAN_SESSION_HOURS", 8)
# Comma-separated duty names and data roles (read/edit/manage) whose holders must use a second factor (TOTP).
DANGJIAN_TOTP_DUTIES = [d for d in env_str("DANGJIAN_TOTP_DUTIES", "系统管理员,安全管理员,审计管理员").split(",") if d]
DANGJIAN_TOTP_ROLES = [r for r in env_str("DANGJIAN_TOTP_ROLES", "manage").split(",") if r]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "dangjian.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dangjian.accounts.passwords.CharacterClassValidator"},
    {"NAME": "dangjian.accounts.passwords.NoUsernameValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("DANGJIAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Uploaded files (evidence, reports) live in the data directory and are served only through views that check scope.
MEDIA_ROOT = DATA_DIR / "files"
# Uploaded files and their folders are the owner's alone, whatever the process's umask (core/files.py).
FILE_UPLOAD_PERMISSIONS = FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = DIR_MODE

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DANGJIAN_STATIC_ROOT") or DATA_DIR / "static")
# Static files are public: behind nginx (deploy/) they sit outside the private data directory, readable by nginx's user.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# Serve straight from the package when collectstatic has not run (tests, development).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = env_int("DANGJIAN_SESSION_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DANGJIAN_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "dangjian.core.views.csrf_failure"  # a Chinese page: what happened, what to do
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SESSION_COOKIE_SECURE:
    # Sent only on HTTPS responses; a year, the usual preload figure. includeSubDomains covers only names under the
    # system's own host name, which serve nothing over plain HTTP either.
    SECURE_HSTS_SECONDS = env_int("DANGJIAN_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# No inline script or style anywhere: every script and stylesheet is a static file of the app (dangjian.core.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Attempts per address on the login page and POST /api/token/, besides axes' lockout (dangjian.core.ratelimit).
LOGIN_RATE = env_str("DANGJIAN_LOGIN_RATE", "20/minute")

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Import files (.xlsx/.xls/.csv) uploaded on the import pages; larger files are refused with a message.
IMPORT_MAX_MB = env_int("DANGJIAN_IMPORT_MAX_MB", 50)
# Run import jobs in the upload request instead of queueing them for the worker (tests; installations that prefer it).
IMPORT_JOBS_INLINE = env_bool("DANGJIAN_IMPORT_INLINE", False)

# What an import file may hold, checked before anything reads it (sheets/limits.py; docs/security.md, 导入文件的限制).
# Rows: twice the 100,000-row file the import is measured with. Uncompressed: an .xlsx of 200,000 rows of the full
# member template takes about 200 MB of sheet XML as openpyxl and WPS write it (inline text), half as Excel does.
# Columns: the templates have 16 and 20.
IMPORT_MAX_ROWS = env_int("DANGJIAN_IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("DANGJIAN_IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_UNCOMPRESSED_MB = env_int("DANGJIAN_IMPORT_MAX_UNCOMPRESSED_MB", 400)
# The address space of the process that reads a workbook (sheets/workbook_process.py): a file that needs more fails
# there, with a message, instead of taking the server's memory. 200,000 rows of 16 columns need about 500 MB.
IMPORT_MEMORY_MB = env_int("DANGJIAN_IMPORT_MEMORY_MB", 2048)
# A workbook reader that sends nothing for this long is stuck, not slow (a batch of rows comes every few ms; the
# first, after calamine has parsed the sheet, within seconds for the largest allowed file): the import fails.
IMPORT_READER_SILENCE_SECONDS = env_int("DANGJIAN_IMPORT_READER_SILENCE_SECONDS", 300)
# Rows with problems listed in an import's report and error sheet; the rest are counted.
IMPORT_LISTED_ERROR_ROWS = env_int("DANGJIAN_IMPORT_LISTED_ERROR_ROWS", 1000)
# Rows one export may hold; Excel's sheet limit (1,048,576 less title, note and header) is the ceiling.
EXPORT_MAX_ROWS = env_int("DANGJIAN_EXPORT_MAX_ROWS", 1_048_573)
# Who accepts and closes a rectification case (销号): the county's organization department, or the town.
DANGJIAN_CASE_CLOSING_LEVEL = env_str("DANGJIAN_CASE_CLOSING_LEVEL", "county")
if DANGJIAN_CASE_CLOSING_LEVEL not in ("county", "town"):
    raise ImproperlyConfigured(f"DANGJIAN_CASE_CLOSING_LEVEL must be county or town, not {DANGJIAN_CASE_CLOSING_LEVEL}")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.accounts.authentication.PolicyTokenAuthentication",  # refuses tokens of users who must act first
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "dangjian.core.paging.ApiPagination",  # page numbers parsed by core.params
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "dangjian.core.schema.AutoSchema",  # documents the error answers too
    "EXCEPTION_HANDLER": "dangjian.core.security.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "基层党建工作管理系统 API",
    "DESCRIPTION": "组织与党员数据接口；所有数据按用户的数据范围过滤。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets sharing a field name ("status") each get their own schema name.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "dangjian.assess.models.AssessmentStatus",
        "CaseStatusEnum": "dangjian.rectify.models.CaseStatus",
        "MeasureStatusEnum": "dangjian.rectify.models.MeasureStatus",
        "WeaknessKindEnum": "dangjian.rectify.models.WeaknessKind",
        "CaseEventKindEnum": "dangjian.rectify.models.CaseEventKind",
        "OrgKindEnum": "dangjian.orgs.choices.OrgKind",
        "RecordKindEnum": "dangjian.accountability.choices.RecordKind",
        "ProposalStatusEnum": "dangjian.accountability.choices.ProposalStatus",
        "DrawStatusEnum": "dangjian.inspections.choices.DrawStatus",
        "FindingStatusEnum": "dangjian.inspections.choices.FindingStatus",
        # The working layer's vocabularies share field names (level, status, source) with each other and the tree's.
        "OrgLevelEnum": "dangjian.orgs.choices.Level",
        "CaseSourceEnum": "dangjian.rectify.models.CaseSource",
        "ArrangementLevelEnum": "dangjian.weekly.choices.Level",
        "LineStatusEnum": "dangjian.weekly.choices.LineStatus",
        "StaffSourceEnum": "dangjian.stations.choices.StaffSource",
        "ProblemLevelEnum": "dangjian.problems.choices.ProblemLevel",
        "ProblemStatusEnum": "dangjian.problems.choices.ProblemStatus",
        "ProblemSourceEnum": "dangjian.problems.choices.SourceKind",
        "CategoryEnum": "dangjian.problems.choices.Category",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DANGJIAN_LOG_LEVEL", "WARNING")},
}

# The demo command marks its data directory; the login page then shows the demo accounts.
DEMO_MODE = env_bool("DANGJIAN_DEMO", False) or (DATA_DIR / "demo-installation").exists()

# The reverse proxy whose X-Forwarded-For/-Proto/-Host `dangjian serve` believes: `1` for the local host, or addresses
# and networks. HTTPS behind it is told by X-Forwarded-Proto, so no SECURE_PROXY_SSL_HEADER (dangjian.core.proxy).
TRUSTED_PROXIES = trusted_proxies(env_str("DANGJIAN_TRUSTED_PROXY"))

# Scheduled jobs and notifications (dangjian.cadence; docs/operations.md "定期任务与通知").
# Senders beyond the in-app notification, comma-separated dotted paths, e.g. dangjian.cadence.senders.EmailSender.
DANGJIAN_NOTIFY_SENDERS = [s.strip() for s in env_str("DANGJIAN_NOTIFY_SENDERS").split(",") if s.strip()]
DANGJIAN_SITE_URL = env_str("DANGJIAN_SITE_URL")  # e.g. https://dangjian.example.cn, for links in e-mail and SMS
DANGJIAN_SMS_URL = env_str("DANGJIAN_SMS_URL")
DANGJIAN_SMS_TOKEN = env_str("DANGJIAN_SMS_TOKEN")
DANGJIAN_SMS_PHONE_OF = env_str("DANGJIAN_SMS_PHONE_OF")  # dotted path of a callable: user -> phone number or ""
EMAIL_HOST = env_str("DANGJIAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DANGJIAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DANGJIAN_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("DANGJIAN_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DANGJIAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DANGJIAN_EMAIL_FROM", "dangjian@localhost")
DANGJIAN_ESCALATION_GRACE_DAYS = env_int("DANGJIAN_ESCALATION_GRACE_DAYS", 7)
DANGJIAN_SPOT_CHECK_SHARE = env_int("DANGJIAN_SPOT_CHECK_SHARE", 20)  # percent of each county's open cases a month
DANGJIAN_CADENCE_MAX_CATCHUP = env_int("DANGJIAN_CADENCE_MAX_CATCHUP", 400)  # periods caught up per job at most
if DANGJIAN_ESCALATION_GRACE_DAYS < 1:
    raise ImproperlyConfigured("DANGJIAN_ESCALATION_GRACE_DAYS must be at least 1")
if not 1 <= DANGJIAN_SPOT_CHECK_SHARE <= 100:
    raise ImproperlyConfigured("DANGJIAN_SPOT_CHECK_SHARE must be a percentage from 1 to 100")

# The weekly cycle (weekly/weeks.py): days after a week's Friday during which its reports are still taken (late).
DANGJIAN_WEEKLY_CLOSE_DAYS = env_int("DANGJIAN_WEEKLY_CLOSE_DAYS", 7)
if not 0 <= DANGJIAN_WEEKLY_CLOSE_DAYS <= 60:
    raise ImproperlyConfigured("DANGJIAN_WEEKLY_CLOSE_DAYS must be from 0 to 60")

# The audit chain's anchor (core/audit_anchor.py, docs/security.md "审计日志能证明什么"): the last committed audit
# record's number and hash, kept outside the database so a rollback of the audit tables is noticed. Every anchor is
# also logged to "dangjian.audit.anchor"; DANGJIAN_AUDIT_SYSLOG (a socket such as /dev/log, or host:port for UDP)
# sends that log to syslog, so a copy lives off this data directory (off this host with a remote syslog server).
AUDIT_ANCHOR_FILE = Path(env_str("DANGJIAN_AUDIT_ANCHOR_FILE") or DATA_DIR / "audit" / "anchor.json")
AUDIT_SYSLOG = env_str("DANGJIAN_AUDIT_SYSLOG")
if AUDIT_SYSLOG:
    _host, _, _port = AUDIT_SYSLOG.rpartition(":")
    LOGGING["handlers"]["audit_syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "address": (_host, int(_port)) if _host and _port.isdigit() else AUDIT_SYSLOG,
    }
    LOGGING.setdefault("loggers", {})["dangjian.audit.anchor"] = {"handlers": ["audit_syslog"], "level": "INFO"}

# Background work and shared state (docs/architecture.md "Background work and shared state"; docs/operations.md).
# Long jobs (imports) are tasks in the database, run by `dangjian worker` (started by `dangjian serve` unless
# --no-worker). What every server process must agree on (rate limits, import progress, the data version) lives in a
# shared cache: Redis when REDIS_URL is set, else a database table reached through a connection of its own (the
# "cache" alias), so it is written outside an import's long transaction and, on SQLite, in a file of its own that
# the import's write lock does not hold. Lockouts are axes' database rows (AccessAttempt), shared already.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Run the other background jobs (assessment runs, bulletins: core/jobs.py) in the request that starts them (tests).
JOBS_INLINE = env_bool("DANGJIAN_JOBS_INLINE", False)
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dangjian",
        }
    }
    # Sessions read from Redis, written through to the database: a signed-in request asks the database nothing for
    # its session (one of the three reads every page made). Not with the database cache, where reading the cache is
    # itself a query. A restore clears the cached copies of the sessions it deletes (core/backup.py).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["cache"] = {**DATABASES["default"], "NAME": str(DATA_DIR / "cache.sqlite3")}
    else:
        DATABASES["cache"] = dict(DATABASES["default"])
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dangjian_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},  # Django's 300 would cull live rate-limit counts under load
        }
    }
DATABASE_ROUTERS = ["dangjian.core.shared_cache.CacheRouter"]
# Residents' opinions through the public QR page (opinions/public.py): opinions a day per address and per code.
DANGJIAN_OPINION_ADDRESS_DAILY = env_int("DANGJIAN_OPINION_ADDRESS_DAILY", 5)
DANGJIAN_OPINION_CODE_DAILY = env_int("DANGJIAN_OPINION_CODE_DAILY", 200)
if DANGJIAN_OPINION_ADDRESS_DAILY < 1 or DANGJIAN_OPINION_CODE_DAILY < 1:
    raise ImproperlyConfigured("DANGJIAN_OPINION_ADDRESS_DAILY and DANGJIAN_OPINION_CODE_DAILY must be at least 1")
# Party records (partylife/frequency.py, docs/records.md): the 党课's period is local practice, not the 条例's;
# quarterly by default, monthly or yearly where the province or city rules so.
PARTYLIFE_LECTURE_PERIOD = env_str("DANGJIAN_LECTURE_PERIOD", "quarter")
if PARTYLIFE_LECTURE_PERIOD not in ("month", "quarter", "year"):
    raise ImproperlyConfigured("DANGJIAN_LECTURE_PERIOD must be month, quarter or year")
