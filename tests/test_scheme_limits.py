"""Scheme files within limits: a YAML alias bomb, a self-referencing alias, deep nesting and an oversized file are
refused at once with a Chinese message, through `load_scheme`, the scheme pages and `dangjian assess`; the shipped
examples, which share categories through anchors, still load."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import escape

from dangjian.assess import services
from dangjian.assess.models import SchemeRecord
from dangjian.assess.scheme import SchemeError
from dangjian.assess.schemefile import load_scheme

ROOT = Path(__file__).resolve().parent.parent
EXPANSION = "方案文件中的锚点与别名（&、*）展开后超过 100000 个值，请减少别名的嵌套；别名只宜用于各分组共用类别。"

SCHEME = """\
year: 2026
name: 漠北县2026年度考核方案
total: 100
groups:
  - domain: 农村
    categories:
      - name: 班子
        indicators:
          - {code: G01, name: 工作成效, points: 90, method: given}
          - {code: Y01, name: 民主评议, points: 10, method: yesno}
"""


def alias_bomb() -> str:
    """“Billion laughs”: nine levels of nine aliases to the level below, 9^9 strings once expanded, in 4.9 KB."""
    lines = ["year: 2026", "common:", "  l0: &l0 [" + ", ".join(["哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈"] * 9) + "]"]
    for level in range(1, 10):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    lines.append("name: *l9")
    return "\n".join(lines) + "\n" + SCHEME.split("\n", 1)[1].split("\n", 1)[1] + "# 填充说明" * 280 + "\n"


def test_the_bomb_is_a_few_kilobytes():
    assert 4_500 < len(alias_bomb().encode("utf-8")) < 5_200


def test_it_refuses_an_alias_bomb_in_well_under_a_second():
    started = time.perf_counter()
    with pytest.raises(SchemeError) as refused:
        load_scheme(alias_bomb())
    assert str(refused.value) == EXPANSION
    assert time.perf_counter() - started < 0.5


def test_it_refuses_an_alias_to_its_own_anchor():
    with pytest.raises(SchemeError) as refused:
        load_scheme("year: 2026\ncommon: &loop [*loop]\n" + SCHEME.split("\n", 1)[1])
    assert str(refused.value) == "方案文件中的别名（*）不能引用包含它自身的锚点（&）。"


def test_it_refuses_nesting_deeper_than_twenty_levels():
    with pytest.raises(SchemeError) as refused:
        load_scheme("year: 2026\ncommon: " + "[" * 5000 + "]" * 5000 + "\n")
    assert str(refused.value) == "方案文件嵌套超过 20 层。"


def test_it_refuses_a_scheme_over_256_kb_before_parsing_it():
    text = SCHEME + "# " + "说明" * (90 * 1024) + "\n"  # 3 bytes a character in UTF-8: over 256 KB, under 256 K chars
    with pytest.raises(SchemeError) as refused:
        load_scheme(text)
    assert str(refused.value) == "方案文件不能超过 256 KB。"


@pytest.mark.parametrize(
    "path", [ROOT / "examples/scheme-county.yaml", ROOT / "src/dangjian/assess/examples/scheme-county.yaml"]
)
def test_the_examples_sharing_categories_by_anchors_still_load(path):
    scheme = load_scheme(path.read_text(encoding="utf-8"))
    assert scheme.year == 2026 and len(scheme.groups) == 6


@pytest.mark.django_db
def test_the_scheme_page_refuses_a_bomb_typed_or_uploaded_and_saves_nothing(region, county_user, login):
    client = login(county_user)
    started = time.perf_counter()
    typed = client.post("/assess/schemes/new/", {"owner_code": "T-NORTH", "text": alias_bomb()})
    uploaded = client.post(
        "/assess/schemes/new/",
        {"owner_code": "T-NORTH", "text": "", "upload": SimpleUploadedFile("方案.yaml", alias_bomb().encode())},
    )
    assert time.perf_counter() - started < 2
    for response in (typed, uploaded):
        assert response.status_code == 400
        assert escape(EXPANSION) in response.content.decode()
    assert not SchemeRecord.objects.exists()


@pytest.mark.django_db
def test_the_edit_page_refuses_a_bomb_and_keeps_the_scheme(region, county_user, login):
    record = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    response = login(county_user).post(
        f"/assess/schemes/{record.pk}/edit/", {"owner_code": "T-NORTH", "text": alias_bomb()}
    )
    assert response.status_code == 400
    assert escape(EXPANSION) in response.content.decode()
    record.refresh_from_db()
    assert record.text == SCHEME


@pytest.mark.django_db
def test_the_scheme_page_refuses_an_upload_over_256_kb(region, county_user, login):
    big = SimpleUploadedFile("方案.yaml", (SCHEME + "#" * (256 * 1024)).encode())
    response = login(county_user).post("/assess/schemes/new/", {"owner_code": "T-NORTH", "text": "", "upload": big})
    assert response.status_code == 400
    assert "方案文件不能超过 256 KB。" in response.content.decode()
    assert not SchemeRecord.objects.exists()


@pytest.mark.django_db
def test_the_assess_command_refuses_a_bomb(region, tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("assess", "template", "--scheme", str(bomb), "--out", str(tmp_path / "scores.xlsx"))
    assert f"方案文件“bomb.yaml”：{EXPANSION}" in capsys.readouterr().err
    assert not (tmp_path / "scores.xlsx").exists()
