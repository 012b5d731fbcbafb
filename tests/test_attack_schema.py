"""Schemathesis against the OpenAPI schema (/api/schema/), as a county user by token: whatever it sends, the API
never answers with a server error, answers only with statuses and content types the schema documents, and its
answers conform to the schema (a field the schema calls a string is never null). Bounded examples, so it runs in
well under a minute."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dangjian.accounts.tokens import issue_token

# The project's own WSGI application, in this process, so each case reads the test database of its test.
# Loaded at collection (the schema needs no database); schemathesis' lazy `from_fixture` does not run on pytest 9.2.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Through the real WSGI handler each request ends by closing "unusable" connections, and one inside the test's
    transaction counts as such: on PostgreSQL that would end the transaction holding the test's data (SQLite's
    in-memory database ignores the close). Django's own test client disconnects the same handler."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema():
    return schema


@pytest.fixture
def auth(county_user):
    return {"Authorization": f"Token {issue_token(county_user, actor=county_user)[1]}"}


# Each operation its own test item, named by the operation: schemathesis' own `schema.parametrize()` gives all its
# items one node id, and pytest-xdist (scripts/test.sh) runs one item of a node id, so 54 of 55 went unasked.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_every_generated_request_gets_a_documented_answer_and_never_a_server_error(operation, region, auth):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def ask(case):
        answered(case, auth)

    ask()


def answered(case, auth) -> None:
    response = case.call_and_validate(headers=auth, checks=CHECKS)
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, response.text[:300])
    assert "Traceback" not in response.text
    assert "南岭" not in response.text or case.path == "/api/token/"  # nothing of the other county either


def test_the_schema_lists_the_routes_schemathesis_walks(api_schema):
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/orgs/", "/api/members/", "/api/members/{id}/", "/api/token/"} <= paths
    unmask = [p for p in api_schema.raw_schema["paths"]["/api/members/"]["get"]["parameters"] if p["name"] == "unmask"]
    assert unmask and unmask[0]["schema"]["type"] == "boolean"
