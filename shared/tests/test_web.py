"""Bad HTTP input gets an RFC 9457 problem+json body naming the field and the rule."""

from fastapi import HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from peerbridge_shared.web import PROBLEM_JSON, Problem, create_service_app


class Goal(BaseModel):
    title: str
    target_sessions: int = Field(ge=1)


def app():
    service = create_service_app("test")

    @service.post("/goals")
    def create_goal(goal: Goal) -> Goal:
        return goal

    @service.get("/goals/{goal_id}")
    def read_goal(goal_id: int) -> Goal:
        raise HTTPException(404, f"goal {goal_id} not found")

    @service.get("/busy")
    def busy() -> Goal:
        raise Problem(429, "too many requests", rule="rate_limit", headers={"Retry-After": "3"})

    return service


def test_a_validation_error_is_a_problem_naming_the_field_and_rule():
    response = TestClient(app()).post("/goals", json={"title": "walk daily", "target_sessions": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 422 and body["title"] == "Invalid request"
    assert body["errors"] == [{"field": "body.target_sessions", "rule": "greater_than_equal",
                               "message": "Input should be greater than or equal to 1"}]
    assert "body.target_sessions" in body["detail"]


def test_http_errors_are_problems_too():
    response = TestClient(app()).get("/goals/7")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "goal 7 not found"


def test_an_unreadable_json_body_is_a_422_problem_not_a_500():
    response = TestClient(app()).post("/goals", content=b"{oops", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON


def test_a_problem_can_carry_response_headers():
    response = TestClient(app()).get("/busy")
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert response.json()["errors"][0]["rule"] == "rate_limit"
