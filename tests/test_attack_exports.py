"""Hostile values on their way out: an export must not turn stored text into a formula, nor crash on it."""

import io

import openpyxl

from dangjian.members.models import Member
from dangjian.members.services import update_member


def exported_cells(client, needle: str):
    response = client.get("/sheets/export/members/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell for row in book.worksheets[0].iter_rows() for cell in row if cell.value and needle in str(cell.value)]


def test_an_exported_cell_that_looks_like_a_formula_stays_text(region, county_user, login):
    member = Member.objects.get(name="赵冬梅")
    update_member(member, actor=county_user, job='=HYPERLINK("http://example.invalid","点我")')
    cells = exported_cells(login(county_user), "HYPERLINK")
    assert cells and all(cell.data_type != "f" for cell in cells)  # Excel would run a formula on opening


def test_a_control_character_typed_into_a_form_does_not_break_the_export(region, county_user, login):
    member = Member.objects.get(name="赵冬梅")
    client = login(county_user)
    data = {"name": "赵冬梅", "gender": "female", "ethnicity": "汉族", "status": "full", "job": "村\x07医"}
    assert client.post(f"/members/{member.pk}/edit/", data).status_code in (302, 400)
    client.raise_request_exception = False
    assert exported_cells(client, "赵冬梅")
