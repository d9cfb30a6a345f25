"""The official anthropic Python SDK driving `clauded serve`'s Messages API pass-through.

Run by tests/it/anthropic_sdk.rs, which scripts the fake upstream in the order of CASES.
Usage: python anthropic_sdk.py BASE_URL
"""
import sys

import anthropic

import suite

client = anthropic.Anthropic(base_url=sys.argv[1].rstrip("/"), api_key="sk-ant-from-the-sdk-1111", max_retries=0)
MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
TOOLS = [{"name": "get_weather", "description": "Weather for a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def create():
    m = client.messages.create(model=MODEL, max_tokens=100, messages=USER)
    assert m.content[0].text == "Hello from the fake", m
    assert m.stop_reason == "end_turn" and m.usage.input_tokens > 0, m


def stream():
    with client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == "streamed through untouched", text
    assert final.usage.output_tokens == 12, final.usage


def beta_and_unknown_fields():
    # Claude Code's shape: ?beta=true, a beta header, fields the server does not know
    m = client.beta.messages.create(
        model=MODEL, max_tokens=100, messages=USER, betas=["context-management-2025-06-27"],
        extra_body={"context_management": {"edits": []}, "output_config": {"effort": "low"}},
        system=[{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}])
    assert m.content[0].text == "beta ok", m


def tool_use():
    m = client.messages.create(model=MODEL, max_tokens=100, messages=USER, tools=TOOLS)
    assert m.stop_reason == "tool_use", m
    call = [b for b in m.content if b.type == "tool_use"][0]
    assert call.name == "get_weather" and call.input == {"city": "Paris"}, call


def count_tokens():
    r = client.messages.count_tokens(model=MODEL, messages=USER)
    assert r.input_tokens > 0, r


def models():
    page = client.models.list()
    ids = [m.id for m in page.data]
    assert "claude-sonnet-4-5" in ids, ids
    assert page.data[0].type == "model"


def expect(cls, **kw):
    try:
        client.messages.create(model=kw.pop("model", MODEL), max_tokens=100, messages=USER, **kw)
    except cls as e:
        return e
    raise AssertionError(f"no {cls.__name__}")


def auth_error():
    e = expect(anthropic.AuthenticationError)
    assert e.status_code == 401 and e.body["error"]["type"] == "authentication_error", e.body


def rate_limit_error():
    e = expect(anthropic.RateLimitError)
    assert e.status_code == 429 and e.response.headers.get("retry-after") == "3", e.response.headers


def overloaded_error():
    e = expect(anthropic.InternalServerError)
    assert e.status_code == 529 and e.body["error"]["type"] == "overloaded_error", e.body


CASES = [create, stream, beta_and_unknown_fields, tool_use, count_tokens, models,
         auth_error, rate_limit_error, overloaded_error]

if __name__ == "__main__":
    suite.main(CASES, f"anthropic {anthropic.__version__}")
