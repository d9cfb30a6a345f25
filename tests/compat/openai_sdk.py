"""The official openai Python SDK driving `clauded serve`.

Run by tests/it/openai_sdk.rs, which scripts the fake upstream in the order of CASES.
Usage: python openai_sdk.py BASE_URL
"""
import json
import sys

import openai

import suite

BASE = sys.argv[1].rstrip("/") + "/v1"
client = openai.OpenAI(base_url=BASE, api_key="sk-ant-from-the-sdk-0000")
MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
]


def plain():
    r = client.chat.completions.create(model=MODEL, messages=USER)
    assert r.choices[0].message.content == "Hello from fake", r
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens == 37
    assert r.id.startswith("chatcmpl-")


def streamed():
    chunks = list(client.chat.completions.create(model=MODEL, messages=USER, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed hello world", text
    assert len({c.id for c in chunks}) == 1
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.role) == 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def include_usage():
    chunks = list(client.chat.completions.create(
        model=MODEL, messages=USER, stream=True, stream_options={"include_usage": True}))
    last = chunks[-1]
    assert last.choices == [] and last.usage.total_tokens == 37, last
    assert all(c.usage is None for c in chunks[:-1])


def stream_helper_with_tools():
    with client.chat.completions.stream(model=MODEL, messages=USER, tools=TOOLS) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    msg = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls", final
    assert msg.content == "Checking.", msg
    calls = msg.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"], calls
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    assert json.loads(calls[1].function.arguments) == {}
    assert calls[0].id == "toolu_W" and calls[1].id == "toolu_T"
    assert "tool_calls.function.arguments.done" in kinds, kinds


def tool_result_round_trip():
    messages = USER + [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "toolu_W", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "toolu_W", "content": "18C and sunny"},
    ]
    r = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    assert r.choices[0].message.content == "It is 18C in Paris.", r


def json_mode():
    r = client.chat.completions.create(model=MODEL, messages=USER, response_format={"type": "json_object"})
    assert json.loads(r.choices[0].message.content) == {"a": 1}, r
    assert r.choices[0].finish_reason == "stop"


def models():
    ids = [m.id for m in client.models.list()]
    assert ids == ["claude-sonnet-4-5", "claude-haiku-4-5"], ids


def expect(exc_class, **kwargs):
    try:
        client.chat.completions.create(model=MODEL, messages=USER, **kwargs)
    except exc_class as e:
        return e
    raise AssertionError(f"expected {exc_class.__name__}")


def auth_error():
    e = expect(openai.AuthenticationError)
    assert e.status_code == 401 and "invalid x-api-key" in str(e), e


def rate_limit_error():
    e = expect(openai.RateLimitError)
    assert e.status_code == 429 and e.response.headers.get("retry-after") == "3", e


def bad_request_error():
    e = expect(openai.BadRequestError, n=2)
    assert e.status_code == 400 and e.body["param"] == "n", e.body


def not_found_error():
    e = expect(openai.NotFoundError)
    assert e.status_code == 404, e


def overloaded_error():
    e = expect(openai.InternalServerError)
    assert e.status_code == 529, e


def mid_stream_error():
    got = []
    try:
        for c in client.chat.completions.create(model=MODEL, messages=USER, stream=True):
            got.append(c)
    except openai.APIError as e:
        assert "Overloaded" in str(e), e
        assert got, "some chunks came before the error"
        return
    raise AssertionError("the stream ended without an error")


CASES = [plain, streamed, include_usage, stream_helper_with_tools, tool_result_round_trip, json_mode, models,
         auth_error, rate_limit_error, bad_request_error, not_found_error, overloaded_error, mid_stream_error]

if __name__ == "__main__":
    suite.main(CASES, f"openai {openai.__version__}")
