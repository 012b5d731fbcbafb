"""Re-run a random draw (随机抽取) of dangjian from its exported file, with nothing but Python 3's standard library.

    python3 verify_draw.py 抽取记录_12.json

The file is what the draw's page offers as "导出复核文件" (or `dangjian inspect export DRAW_ID`). The script checks,
step by step, what docs/inspections.md states: the manifest has the published digest, the revealed secret has the
published commitment, and the algorithm dangjian-draw-v1 run on them, the audit head and the beacon gives exactly the
published targets and teams. It prints each check and ends with status 0 when all hold, 1 otherwise.

Written apart from the system's own code on purpose: it is what a third party runs.
"""

import hashlib
import hmac
import json
import sys


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(text):
    """team size, {stratum: count}, members [(key, stratum, town, last team)], inspectors [(key, town)]"""
    lines = text.split("\n")
    assert lines[0] == "dangjian-draw-v1", "unknown algorithm"
    team, quotas, members, inspectors = 0, {}, [], []
    for line in lines[1:]:
        if not line:
            continue
        fields = line.split("\t")
        if fields[0] == "team":
            team = int(fields[1])
        elif fields[0] == "quota":
            quotas[fields[1]] = int(fields[2])
        elif fields[0] == "member":
            members.append((fields[1], fields[2], fields[3], [k for k in fields[4].split(",") if k]))
        elif fields[0] == "inspector":
            inspectors.append((fields[1], fields[2]))
    return team, quotas, members, inspectors


def run(seed, team, quotas, members, inspectors):
    """Steps 4 and 5 of docs/inspections.md."""
    chosen = []
    for stratum in sorted(quotas):
        pool = [m for m in members if m[1] == stratum]
        pool.sort(key=lambda m: (sha256(f"{seed}\tmember\t{m[0]}"), m[0]))
        chosen += pool[: quotas[stratum]]
    load = {key: 0 for key, _ in inspectors}
    result = []
    for key, stratum, town, last_team in chosen:
        allowed = [i for i, i_town in inspectors if not (town and town == i_town) and i not in last_team]
        allowed.sort(key=lambda i: (load[i], sha256(f"{seed}\tinspector\t{key}\t{i}"), i))
        picked = allowed[:team]
        for i in picked:
            load[i] += 1
        result.append({"key": key, "stratum": stratum, "team": sorted(picked)})
    return result


def main(path):
    with open(path, encoding="utf-8") as f:
        draw = json.load(f)
    secret = bytes.fromhex(draw["secret"])
    checks = [
        ("总体名单摘要值", sha256(draw["manifest"]) == draw["population_digest"]),
        ("随机秘密与承诺值", hashlib.sha256(secret).hexdigest() == draw["commitment"]),
    ]
    message = f"dangjian-draw-v1\n{draw['population_digest']}\n{draw['audit_head']}\n{draw['beacon']}"
    seed = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()
    checks.append(("抽取种子", seed == draw["seed"]))
    expected = run(seed, *read_manifest(draw["manifest"]))
    published = [{"key": t["key"], "stratum": t["stratum"], "team": sorted(t["team"])} for t in draw["targets"]]
    checks.append(("抽中名单和督导组", expected == published))
    for label, ok in checks:
        print(f"{'通过' if ok else '不符'}  {label}")
    for n, t in enumerate(expected, 1):
        print(f"{n:>3}  {t['key']}  {t['stratum']}  督导组：{'、'.join(t['team'])}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
