"""`dangjian rotate-field-key [--new-key-file F] [--cipher sm4]`: put every sensitive field under a new key.

Key in the data directory (`field_key`): the new key is first written to `field_key.new`, then the database is
rewritten in one transaction, then `field_key` becomes `field_key.<n>` (retired, still readable) and the new key
becomes `field_key`. If anything stops it half-way, running it again picks up `field_key.new` and finishes.
Key from the environment: the new key must come from --new-key-file; the operator swaps the variables afterwards.
A new key is always of the HKDF derivation (its text begins with `hkdf:`): rotating is how an installation whose key
is of the first versions' derivation moves every value and digest to HKDF-derived keys.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import crypto, keys

MIN_KEY_LENGTH = 32


class Command(BaseCommand):
    help = "更换敏感字段（公民身份号码、电话）的加密密钥：用新密钥重新加密全部密文并重算检索索引，全部成功或全部不变。"

    def add_arguments(self, parser):
        parser.add_argument("--new-key-file", help="新密钥所在文件（不给则自动生成并保存在数据目录）")
        parser.add_argument("--cipher", choices=crypto.CIPHERS, help="同时改用的加密算法：aes-gcm 或 sm4（国密）")
        parser.add_argument("--batch-size", type=int, default=keys.BATCH, help="每批处理的行数")

    def handle(self, *args, new_key_file=None, cipher=None, batch_size=keys.BATCH, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 必须大于 0")
        data_dir = Path(settings.DATA_DIR)
        key_file, pending = data_dir / crypto.KEY_FILE, data_dir / keys.PENDING
        file_mode = key_file.exists() and key_file.read_text().strip() == settings.FIELD_KEY
        old = crypto.keyring()
        cipher = cipher or old.cipher

        if new_key_file:
            try:
                secret = Path(new_key_file).read_text().strip()
            except OSError as exc:
                raise CommandError(f"无法读取新密钥文件 {new_key_file}：{exc.strerror}") from exc
            if not secret.startswith(crypto.HKDF_TAG):
                # Keys without the tag derive their subkeys the first versions' way, kept only to read old data.
                raise CommandError(f"新密钥须以 {crypto.HKDF_TAG} 开头（其后为随机字符，按 HKDF 派生子密钥）")
            if len(secret) - len(crypto.HKDF_TAG) < MIN_KEY_LENGTH:
                raise CommandError(f"新密钥太短：{crypto.HKDF_TAG} 之后至少 {MIN_KEY_LENGTH} 个字符")
        elif file_mode and pending.exists():
            secret = pending.read_text().strip()
            self.stdout.write(f"发现上次未完成的更换（{pending}），继续用该密钥完成。")
        elif file_mode:
            secret = keys.new_secret()
        else:
            raise CommandError("当前密钥来自环境变量 DANGJIAN_FIELD_KEY：请用 --new-key-file 指定新密钥。")

        if file_mode and pending.exists() and pending.read_text().strip() != secret:
            # Values may already be under that pending key; overwriting it could lose them.
            raise CommandError(f"有未完成的密钥更换（{pending}）：请先不带 --new-key-file 再运行一次，完成后再换。")
        same_key = secret == settings.FIELD_KEY
        if file_mode and not same_key:
            keys.write_key_file(pending, secret)  # on disk before any value depends on it
        ring = crypto.KeyRing(crypto.FieldKey(secret), tuple(k for k in old.keys if k.secret != secret), cipher)
        result = keys.rotate(ring, batch_size=batch_size, log=lambda line: self.stdout.write(line))
        crypto.reload_keys()

        self.stdout.write(
            f"已用密钥 {ring.current.kid}（{cipher}，{ring.current.derivation} 派生）重新加密 {result.rewritten} 行，"
            f"{result.skipped} 行无需改写（已是新密钥或为空）。"
        )
        if file_mode and not same_key:
            retired = keys.retire_current_and_promote(data_dir)
            self.stdout.write(f"新密钥已保存为 {key_file}；原密钥保留为 {retired}（用于读取旧备份）。")
        elif not file_mode:
            self.stdout.write(
                "请把环境变量 DANGJIAN_FIELD_KEY 改为新密钥，并把原密钥加入 DANGJIAN_FIELD_KEY_OLD，然后重启服务。"
            )
        if cipher != settings.FIELD_CIPHER:
            self.stdout.write(
                f"请同时设置 DANGJIAN_FIELD_CIPHER={cipher}，"
                f"否则之后新写入的值仍用 {settings.FIELD_CIPHER}（仍可读取）。"
            )
        self.stdout.write("请重启应用服务，使其载入新密钥。")
