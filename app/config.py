"""Settings read from TOWNHALL_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOWNHALL_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'townhall.db'}"
    # The default makes the two-command demo work; create_app() warns loudly when a server runs
    # with it, since anyone could then forge session cookies. Production sets its own.
    secret_key: str = "dev-insecure-secret-change-me"  # noqa: S105
    debug: bool = False
    # Demo mode (`townhall serve --demo`): without TOWNHALL_SECRET_KEY, a random key is made once
    # and kept in var/secret_key (see require_secret_key).
    demo: bool = False
    # Cookies marked Secure break plain-HTTP local use; production sets this to true.
    secure_cookies: bool = False
    session_max_age_s: int = 14 * 24 * 3600
    default_locale: str = "en"
    # Where a text is missing in the reader's language (a forum title written in es and en, a
    # message not yet translated), the languages read instead, in order: the closest first.
    locale_fallbacks: dict[str, list[str]] = {
        "pt": ["es", "en"],
        "es": ["pt", "en"],
        "en": ["es", "pt"],
    }
    locales_dir: Path = PROJECT_ROOT / "locales"
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    login_max_per_account: int = Field(
        default=5, description="failed logins per account per window"
    )
    login_max_per_ip: int = Field(default=20, description="failed logins per IP per window")
    login_window_s: int = 15 * 60
    # After login_max_per_account failures of one account from one address, that pair waits
    # login_delay_s, doubling with each further failure up to login_max_delay_s.
    login_delay_s: int = 60
    login_max_delay_s: int = 3600
    page_size: int = 20
    # The care map recomputed with a reader's filters (services/caremap/mapcache.py): results
    # are kept by parameters; a new computation is refused above this many point–facility pairs
    # (estimated first), limited per IP or account per minute, and runs in a few slots of its
    # own (a reader finding them all busy gets a quick 503, never a wait).
    caremap_max_pairs: int = 2_000_000
    caremap_recomputes_per_minute: int = 6
    caremap_compute_slots: int = 2
    # Attached images are decoded and re-encoded (lib/uploads.py): refused above these bounds
    # before any pixel is decoded, and decoded a few at a time per process, in slots of their
    # own; a file that finds them busy for upload_image_wait_s is refused (choose it again).
    # 16 MP is a 12 MP phone photo with room to spare; 100 frames of at most 10 MP in all is a
    # short animation, not a memory bomb.
    upload_max_pixels: int = 16_000_000
    upload_max_frames: int = 100
    upload_max_frame_pixels: int = 10_000_000
    upload_image_slots: int = 2
    upload_image_wait_s: float = 5.0
    # Serve stored copies of pages to anonymous readers (see app/web/pagecache.py).
    page_cache: bool = True
    # Worker threads for request handlers (and pooled connections to match): a few per core.
    # More only add GIL contention for CPU-bound work on SQLite; PostgreSQL waits on the network
    # and may use more.
    worker_threads: int = 8
    # Database pool, sized with worker_threads (README, "Sizing"): threads >= connections per
    # process (a connection is only held inside a worker thread, so more would sit unused), and
    # processes x connections < the server's max_connections. One extra connection per process
    # reads the page cache's change counter.
    db_pool_size: int = 8
    db_max_overflow: int = 1
    # A request that waits this long for a connection gets a quick 503 with Retry-After.
    db_pool_timeout_s: float = 2.0
    # Requests under way per process past which more get an immediate 503 with Retry-After
    # rather than a place in a queue that would keep them waiting for tens of seconds.
    max_requests_in_flight: int = 200
    db_connect_timeout_s: int = 5
    # PostgreSQL only: no statement runs longer (0 = no limit).
    db_statement_timeout_ms: int = 15000
    # /readyz's database check gives up after this long.
    readiness_timeout_s: float = 2.0
    # On SIGTERM, requests under way get this long to finish before the server stops.
    shutdown_drain_s: int = 10
    # argon2id cost (RFC 9106 "low memory" profile). Tests lower it; production must not.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Passwords hashed at once per process, in a pool of their own (security.py).
    password_hash_threads: int = 2
    register_max_per_ip: int = Field(default=10, description="registrations per IP per hour")
    # Trust X-Forwarded-For only behind a known proxy; otherwise clients could spoof their IP.
    trust_forwarded_for: bool = False
    # Absolute links (share links, exports, e-mails) are built from this, never from the Host
    # header, e.g. https://townhall.example.org; unset (a local demo), from the request's own
    # host, which must then be one of allowed_hosts.
    base_url: str = ""
    # Host headers the server answers; the host of base_url is always allowed.
    allowed_hosts: list[str] = ["localhost", "127.0.0.1", "[::1]", "testserver"]
    # E-mail (services/outbox.py). Without smtp_host, e-mails are written to the log (recipient,
    # subject, links) instead of sent: the demo and a local install need no mail server.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Town Hall <townhall@localhost>"
    # STARTTLS after connecting (port 587); false for a relay on localhost or port 25.
    smtp_starttls: bool = True
    smtp_timeout_s: float = 10.0
    # A failed delivery waits 30 s, doubling up to an hour; after this many tries it is left
    # in the outbox with its last error, for the operator (`townhall outbox flush`).
    outbox_max_attempts: int = 8
    # How often a sender looks for e-mails enqueued elsewhere (another instance, the CLI) or due
    # again; it is woken at once by a commit that enqueued one in its own process.
    outbox_poll_s: float = 30.0


@lru_cache
def get_settings() -> Settings:
    return Settings()


INSECURE_DEFAULT_KEY = "dev-insecure-secret-change-me"
DEMO_KEY_FILE = PROJECT_ROOT / "var" / "secret_key"


class InsecureSecretKey(RuntimeError):
    pass


def require_secret_key(settings: Settings) -> str:
    """The key that signs sessions. The built-in one is public, so anyone could sign an admin's
    session with it: outside demo or debug mode a server refuses to start without a real key; in
    those modes a random key is generated once and kept in var/, so sessions survive a restart."""
    import os
    import secrets

    if settings.secret_key and settings.secret_key != INSECURE_DEFAULT_KEY:
        return settings.secret_key
    if not (settings.demo or settings.debug):
        raise InsecureSecretKey(
            "TOWNHALL_SECRET_KEY is not set. Set it to a long random value, e.g. "
            "TOWNHALL_SECRET_KEY=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')\" "
            "(or serve with --demo, or TOWNHALL_DEBUG=true, on your own machine)."
        )
    path = DEMO_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a second process starting
        # at the same moment reads either no file or the whole key, and both keep the first.
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
