"""Bad HTTP input gets an RFC 9457 problem+json body naming the field and the rule."""

from fastapi import HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import create_engine, text

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


def dependency_app() -> TestClient:
    class RedisDown(ConnectionError):
        pass

    app = create_service_app("deps", dependency_errors={RedisDown: "Redis"})
    nowhere = create_engine("postgresql+psycopg://peerbridge@127.0.0.1:1/none", connect_args={"connect_timeout": 2})

    @app.get("/db")
    def read_db() -> dict:
        with nowhere.connect() as connection:  # nothing listens on port 1: connection refused
            connection.execute(text("SELECT 1"))
        return {}

    @app.get("/redis")
    def read_redis() -> dict:
        raise RedisDown("Error 111 connecting to 127.0.0.1:6379")

    @app.get("/bug")
    def bug() -> dict:
        return {"value": 1 / 0}

    return TestClient(app, raise_server_exceptions=False)


def test_a_database_that_refuses_connections_is_a_503_problem_to_retry_not_a_500():
    response = dependency_app().get("/db")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "1"
    assert response.json()["dependency"] == "PostgreSQL"


def test_a_declared_dependency_error_names_that_dependency():
    response = dependency_app().get("/redis")
    assert (response.status_code, response.json()["dependency"]) == (503, "Redis")
    assert response.headers["content-type"] == PROBLEM_JSON


def test_an_unhandled_error_is_a_500_problem_without_internals():
    response = dependency_app().get("/bug")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "ZeroDivision" not in response.text
