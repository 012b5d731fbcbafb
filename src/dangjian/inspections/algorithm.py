"""The draw ("双随机": random targets, random inspectors), as a fully specified algorithm anyone can re-run.

Pure Python on plain values, no database: the service freezes the inputs, this module turns them into the list, and
`docs/verify_draw.py` (standalone, the standard library only) does the same from the exported file. docs/inspections.md
states the algorithm in words; the two implementations are kept apart on purpose, and a test pins both to a fixed
vector.

Version `dangjian-draw-v1`:

1. The manifest (总体清单) is UTF-8 text, one line each, fields separated by a tab, lines ending in "\n":
   `dangjian-draw-v1`; `team\t<team size>`; `quota\t<stratum>\t<count>` per stratum in code-point order of the
   stratum; `member\t<key>\t<stratum>\t<town>\t<last team, keys joined by ",">` per member in order of key;
   `inspector\t<key>\t<town>` per inspector in order of key. Its SHA-256 (hex) is the population digest (总体摘要).
2. The commitment (承诺值) is SHA-256 of the 32 secret bytes, hex.
3. The seed (种子) is HMAC-SHA256 with the secret bytes as key over the UTF-8 text
   `dangjian-draw-v1\n<population digest>\n<audit chain head>\n<beacon>`, hex.
4. A member's score is SHA-256 of `<seed>\tmember\t<key>` (hex). In each stratum the `count` members with the lowest
   scores are drawn. Targets are listed by stratum (code-point order), then by score.
5. For each target in that order, the inspectors allowed are those whose town is not the target's town (an empty
   town conflicts with nothing) and who are not on the target's last team. They are ordered by how many targets they
   were given so far in this draw, then by SHA-256 of `<seed>\tinspector\t<target key>\t<inspector key>` (hex); the
   first `team` of them form the target's team.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

ALGORITHM = "dangjian-draw-v1"
SECRET_BYTES = 32


@dataclass(frozen=True)
class Member:
    key: str
    stratum: str
    town: str = ""
    last_team: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inspector:
    key: str
    town: str = ""


@dataclass(frozen=True)
class Manifest:
    """Everything the draw depends on besides the secret, the audit head and the beacon."""

    team_size: int
    quotas: dict[str, int]
    members: tuple[Member, ...]
    inspectors: tuple[Inspector, ...]

    def text(self) -> str:
        lines = [ALGORITHM, f"team\t{self.team_size}"]
        lines += [f"quota\t{clean(s)}\t{self.quotas[s]}" for s in sorted(self.quotas)]
        for m in sorted(self.members, key=lambda m: m.key):
            team = ",".join(sorted(clean(k) for k in m.last_team))
            lines.append(f"member\t{clean(m.key)}\t{clean(m.stratum)}\t{clean(m.town)}\t{team}")
        lines += [f"inspector\t{clean(i.key)}\t{clean(i.town)}" for i in sorted(self.inspectors, key=lambda i: i.key)]
        return "".join(line + "\n" for line in lines)

    def digest(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()


@dataclass
class Target:
    key: str
    stratum: str
    score: str
    team: list[str] = field(default_factory=list)


def clean(value: str) -> str:
    """Tabs, line ends and commas would change the manifest's shape: a value never carries them."""
    return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ").replace(",", "，").strip()


def new_secret(token_bytes) -> bytes:
    return token_bytes(SECRET_BYTES)


def commitment(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def seed(secret: bytes, population_digest: str, audit_head: str, beacon: str) -> str:
    message = f"{ALGORITHM}\n{population_digest}\n{audit_head}\n{beacon}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def member_score(seed_hex: str, key: str) -> str:
    return hashlib.sha256(f"{seed_hex}\tmember\t{key}".encode()).hexdigest()


def inspector_score(seed_hex: str, target_key: str, inspector_key: str) -> str:
    return hashlib.sha256(f"{seed_hex}\tinspector\t{target_key}\t{inspector_key}".encode()).hexdigest()


def allowed(member: Member, inspector: Inspector) -> bool:
    """The conflict rules: never from the target's own town, never someone on its last team."""
    same_town = bool(member.town) and member.town == inspector.town
    return not same_town and inspector.key not in member.last_team


def draw(manifest: Manifest, seed_hex: str) -> list[Target]:
    """The targets and their teams (steps 4 and 5)."""
    by_stratum: dict[str, list[Member]] = {}
    for m in manifest.members:
        by_stratum.setdefault(clean(m.stratum), []).append(m)
    chosen: list[tuple[Member, Target]] = []
    for stratum in sorted(manifest.quotas):
        ranked = sorted(by_stratum.get(stratum, []), key=lambda m: (member_score(seed_hex, m.key), m.key))
        for m in ranked[: manifest.quotas[stratum]]:
            chosen.append((m, Target(m.key, stratum, member_score(seed_hex, m.key))))
    load = {i.key: 0 for i in manifest.inspectors}
    for member, target in chosen:
        pool = [i for i in manifest.inspectors if allowed(member, i)]
        pool.sort(key=lambda i: (load[i.key], inspector_score(seed_hex, member.key, i.key), i.key))
        target.team = [i.key for i in pool[: manifest.team_size]]
        for key in target.team:
            load[key] += 1
    return [target for _, target in chosen]
