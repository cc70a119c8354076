"""The OpenAI APIs that run models (runs, assistants, responses…): one clear 404, never a thread called 'runs'."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import httpx
import openai
import pytest
from openai import OpenAI

MESSAGE = (
    "Invalid URL ({method} {path}): this server stores threads, messages and conversations and does not run"
    " models (no runs, assistants, responses or completions). Use /v1/threads and /v1/conversations."
)


def unserved(method: str, path: str) -> object:
    message = MESSAGE.format(method=method, path=path)
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/threads/runs"),
        ("GET", "/v1/threads/runs"),
        ("DELETE", "/v1/threads/runs"),
        ("GET", "/v1/threads/runs/messages"),
        ("POST", "/v1/threads/thread_x/runs"),
        ("GET", "/v1/threads/thread_x/runs/run_x/steps"),
        ("POST", "/v1/threads/conv_x/runs"),
        ("POST", "/v1/assistants"),
        ("GET", "/v1/assistants/asst_x"),
        ("POST", "/v1/responses"),
        ("POST", "/v1/chat/completions"),
    ],
)
def test_a_model_api_is_one_clear_404(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path, json={"assistant_id": "asst_x"} if method == "POST" else None)
    assert (response.status_code, response.json()) == (404, unserved(method, path))


def test_without_a_key_it_is_still_401_first(http: httpx.Client) -> None:
    response = http.post("/v1/threads/runs", headers={"Authorization": ""}, json={})
    assert response.status_code == 401


def test_a_thread_whose_id_merely_starts_with_runs_is_still_a_thread(http: httpx.Client) -> None:
    response = http.get("/v1/threads/runsy")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No thread found with id 'runsy'."


def test_the_sdk_calls_that_run_models_are_told_what_the_server_is(client: OpenAI) -> None:
    thread = client.conversations.create()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        calls: list[Callable[[], object]] = [
            lambda: client.beta.threads.create_and_run(assistant_id="asst_x"),
            lambda: client.beta.threads.runs.create(thread.id, assistant_id="asst_x"),
            lambda: client.beta.assistants.create(model="gpt-4o"),
            lambda: client.responses.create(model="gpt-4o", input="hi"),
        ]
        for call in calls:
            with pytest.raises(openai.NotFoundError) as caught:
                call()
            assert "does not run models" in caught.value.message
