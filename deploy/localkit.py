"""The deployment kit started on one machine without root, for the load test and the test suite: `--apps`
processes of `dangjian serve --no-worker` and one `dangjian worker` behind Debian's nginx, over TLS on loopback, on
the installation the environment names (DATABASE_URL, DANGJIAN_DATA_DIR), as systemd would run them.

    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python deploy/localkit.py --apps 2   # prints the address

`bench/load.py --kit 2` starts it the same way around the load test; `tests/test_deploy_kit.py` uses its pieces.
nginx's configuration is the kit's own (`render_nginx.py`), with every path in a temporary folder; the certificate
is a self-signed one. Not for production: there, systemd and /etc/nginx run the same files (README.md here).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{what} 没有启动 / did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def self_signed(folder: Path, name: str = HOST) -> tuple[Path, Path]:
    """A certificate for `name` (a host name or an IP address), as an operator's placeholder for the real one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    try:
        alt = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        alt = x509.DNSName(name)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "site.crt", folder / "site.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def nginx_conf(folder: Path, site: Path, workers: str = "auto") -> Path:
    """The part Debian's /etc/nginx/nginx.conf plays, with its paths in `folder` so no root is needed."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes {workers};\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items() if name != "body")
        + f"    client_body_temp_path {temp['body']};\n    include {site};\n}}\n"
    )
    return conf


def render_site(env_file: Path, ports: list[int], https: int, http: int, tls: tuple[Path, Path], logs: Path) -> str:
    """nginx's site configuration for app processes on `ports`, listening on loopback, as `render_nginx.py` makes
    it for an installation."""
    return subprocess.run(  # noqa: S603 - the kit's own script, fixed arguments
        [
            sys.executable,
            str(HERE / "render_nginx.py"),
            f"--env-file={env_file}",
            f"--app-ports={','.join(map(str, ports))}",
            f"--https-listen={HOST}:{https}",
            f"--http-listen={HOST}:{http}",
            f"--tls-cert={tls[0]}",
            f"--tls-key={tls[1]}",
            f"--log-dir={logs}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@contextlib.contextmanager
def running_kit(apps: int, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the kit; yields its HTTPS address; stops every process on the way out (a SIGTERM included)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    nginx = nginx_binary()
    if nginx is None:
        sys.exit("缺少 nginx（apt-get install nginx）/ nginx is missing")
    folder = Path(tempfile.mkdtemp(prefix="dangjian-kit-"))
    (folder / "logs").mkdir()
    https, http = free_port(), free_port()
    env_file = folder / "dangjian.env"
    settings = {
        "DANGJIAN_STATIC_ROOT": str(folder / "static"),
        "DANGJIAN_ALLOWED_HOSTS": HOST,
        "DANGJIAN_TRUSTED_PROXY": "1",
        "DANGJIAN_HTTPS": "1",
        "DANGJIAN_SITE_URL": f"https://{HOST}:{https}",
        "DANGJIAN_DB_CONN_MAX_AGE": "60",
    }
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    env = {**os.environ, **settings, **(extra_env or {})}
    subprocess.run([str(BIN / "dangjian"), "collectstatic", "--noinput", "-v0"], env=env, check=True)  # noqa: S603

    processes: list[subprocess.Popen] = []

    def start(args: list[str], name: str) -> tuple[subprocess.Popen, Path]:
        log = folder / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        processes.append(process)
        return process, log

    try:
        start([str(BIN / "dangjian"), "worker"], "worker")
        ports = []
        for n in range(apps):
            port = free_port()
            process, log = start(
                [str(BIN / "dangjian"), "serve", "--port", str(port), "--no-worker", "--threads", "8"], f"app{n}"
            )
            wait_for(port, process, f"app {n}", log)
            ports.append(port)
        cert, key = self_signed(folder)
        rendered = render_site(env_file, ports, https, http, (cert, key), folder / "logs")
        site = folder / "dangjian.conf"
        # The public address has a port here, so the app must be told the Host with it (proxy_headers.conf says so):
        # Django's CSRF check compares a post's Referer with it.
        site.write_text(rendered.replace("$host;", "$http_host;"))
        process, log = start([nginx, "-c", str(nginx_conf(folder, site)), "-e", str(folder / "error.log")], "nginx")
        wait_for(https, process, "nginx", folder / "error.log")
        yield f"https://{HOST}:{https}"
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=2, help="app processes behind nginx (default 2)")
    args = parser.parse_args()
    with running_kit(args.apps) as url:
        print(f"部署套件已启动 / the kit is up: {url} (自签名证书 / self-signed certificate); Ctrl-C 停止")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
