#!/usr/bin/env python3
"""Render deploy/nginx/dangjian.conf.in for this installation (plain Python, no dependencies).

    python3 deploy/render_nginx.py --env-file /etc/dangjian/dangjian.env --app-ports 8001,8002 \
        > /etc/nginx/conf.d/dangjian.conf && nginx -t && systemctl reload nginx

The server name comes from DANGJIAN_ALLOWED_HOSTS (its first name), the static folder from DANGJIAN_STATIC_ROOT and
client_max_body_size from DANGJIAN_IMPORT_MAX_MB, as the app processes read them from the same file; options say
where nginx listens, the TLS files and the log folder. The test suite renders it to a temporary folder and starts
nginx with it (tests/test_deploy_kit.py).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx" / "dangjian.conf.in"
PROXY_HEADERS = HERE / "nginx" / "proxy_headers.conf"
DEFAULT_IMPORT_MAX_MB = 50  # settings.IMPORT_MAX_MB's default


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (comments and blank lines skipped, quotes removed)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        words = shlex.split(value) if value.strip() else [""]
        values[key.strip()] = words[0] if words else ""
    return values


def render(
    env: dict[str, str],
    *,
    app_ports: list[int],
    app_host: str = "127.0.0.1",
    http_listen: str = "80",
    https_listen: str = "443",
    tls_cert: str = "/etc/nginx/tls/dangjian.crt",
    tls_key: str = "/etc/nginx/tls/dangjian.key",
    log_dir: str = "/var/log/nginx",
) -> str:
    if not app_ports:
        raise ValueError("至少需要一个应用进程端口（--app-ports）。")
    hosts = [h.strip() for h in env.get("DANGJIAN_ALLOWED_HOSTS", "").split(",") if h.strip() and h.strip() != "*"]
    if not hosts:
        raise ValueError("DANGJIAN_ALLOWED_HOSTS 未设置：请写明网站的域名（如 dangjian.example.cn）。")
    static_root = env.get("DANGJIAN_STATIC_ROOT", "")
    if not static_root:
        raise ValueError("DANGJIAN_STATIC_ROOT 未设置：nginx 提供的静态文件须放在私有数据目录之外。")
    try:
        max_mb = int(env.get("DANGJIAN_IMPORT_MAX_MB") or DEFAULT_IMPORT_MAX_MB)
    except ValueError:
        raise ValueError("DANGJIAN_IMPORT_MAX_MB 应为整数（兆字节）。") from None
    headers = "".join(
        f"        {line}\n"
        for line in PROXY_HEADERS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ).rstrip("\n")
    upstreams = "\n".join(f"    server {app_host}:{port} max_fails=1 fail_timeout=5s;" for port in app_ports)
    values = {
        "UPSTREAM_SERVERS": upstreams,
        "HTTP_LISTEN": http_listen,
        "HTTPS_LISTEN": https_listen,
        "SERVER_NAME": " ".join(hosts),
        "TLS_CERT": tls_cert,
        "TLS_KEY": tls_key,
        "LOG_DIR": log_dir.rstrip("/"),
        "IMPORT_MAX_MB": str(max_mb),
        "BODY_MAX_MB": str(max_mb + 1),
        "STATIC_ROOT": static_root.rstrip("/"),
        "PROXY_HEADERS": headers,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", type=Path, default=Path("/etc/dangjian/dangjian.env"))
    parser.add_argument("--app-ports", default="8001,8002", help="应用进程的端口，逗号分隔（dangjian-web@<端口>）")
    parser.add_argument("--app-host", default="127.0.0.1")
    parser.add_argument("--http-listen", default="80", help="HTTP（跳转到 HTTPS）的监听地址或端口")
    parser.add_argument("--https-listen", default="443", help="HTTPS 的监听地址或端口")
    parser.add_argument("--tls-cert", default="/etc/nginx/tls/dangjian.crt")
    parser.add_argument("--tls-key", default="/etc/nginx/tls/dangjian.key")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    args = parser.parse_args(argv)
    try:
        ports = [int(p) for p in args.app_ports.replace(" ", "").split(",") if p]
        text = render(
            read_env_file(args.env_file),
            app_ports=ports,
            app_host=args.app_host,
            http_listen=args.http_listen,
            https_listen=args.https_listen,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            log_dir=args.log_dir,
        )
    except (OSError, ValueError) as exc:
        print(f"无法生成 nginx 配置：{exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
