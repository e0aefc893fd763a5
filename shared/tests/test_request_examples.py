"""Request examples in a service's document: shown on the operations whose body is the model (or a
list of it), and validated by the model when the document is generated."""

import pytest
from pydantic import BaseModel, Field, ValidationError

from peerbridge_shared.web import create_service_app


class Visit(BaseModel):
    minutes: int = Field(ge=1)


def app_with(examples):
    app = create_service_app("t", request_examples=examples)

    @app.post("/visits")
    def add_visit(body: Visit) -> dict:
        return {}

    @app.put("/visits")
    def replace_visits(body: list[Visit]) -> dict:
        return {}

    @app.post("/raw")
    def raw(body: dict) -> dict:
        return {}

    return app


def test_examples_are_shown_for_the_model_a_list_of_it_and_an_operation_id():
    paths = app_with({Visit: {"minutes": 30}, "raw": {"free": "form"}}).openapi()["paths"]
    assert paths["/visits"]["post"]["requestBody"]["content"]["application/json"]["example"] == {"minutes": 30}
    assert paths["/visits"]["put"]["requestBody"]["content"]["application/json"]["example"] == [{"minutes": 30}]
    assert paths["/raw"]["post"]["requestBody"]["content"]["application/json"]["example"] == {"free": "form"}


def test_a_stale_example_fails_the_document():
    with pytest.raises(ValidationError):
        app_with({Visit: {"minutes": 0}}).openapi()
