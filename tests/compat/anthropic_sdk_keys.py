"""The official anthropic Python SDK against a `clauded serve` that asks for its token: a wrong
key is one AuthenticationError (401, Anthropic's body, nothing to retry), a body over the limit a
ContentTooLargeError (413), and the server's token is served.

Run by tests/it/anthropic_sdk.rs. Usage: python anthropic_sdk_keys.py BASE_URL SERVER_TOKEN
"""
import sys

import anthropic

import suite

BASE, TOKEN = sys.argv[1].rstrip("/"), sys.argv[2]
MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
# the SDK's default retries: a 401 must not be worth one
wrong = anthropic.Anthropic(base_url=BASE, api_key="sk-ant-not-for-this-server")
right = anthropic.Anthropic(base_url=BASE, api_key=TOKEN, max_retries=0)


def refused(call):
    try:
        call()
    except anthropic.AuthenticationError as e:
        assert e.status_code == 401, e
        assert e.body["type"] == "error" and e.body["error"]["type"] == "authentication_error", e.body
        assert "x-api-key" in e.body["error"]["message"], e.body
        assert "retry-after" not in e.response.headers, e.response.headers
        assert e.response.headers.get("x-should-retry") == "false", e.response.headers
        # one request: the SDK did not try again
        assert e.response.request.headers.get("x-stainless-retry-count") == "0", e.response.request.headers
        return
    raise AssertionError("no AuthenticationError")


def wrong_key_create():
    refused(lambda: wrong.messages.create(model=MODEL, max_tokens=10, messages=USER))


def wrong_key_stream():
    def go():
        with wrong.messages.stream(model=MODEL, max_tokens=10, messages=USER) as s:
            for _ in s:
                pass
    refused(go)


def wrong_key_count_tokens():
    refused(lambda: wrong.messages.count_tokens(model=MODEL, messages=USER))


def wrong_key_models():
    refused(lambda: wrong.models.list())


def too_large():
    try:
        right.messages.create(model=MODEL, max_tokens=10,
                              messages=[{"role": "user", "content": "x" * (100 * 1024)}])
    except anthropic.APIStatusError as e:
        assert e.status_code == 413, e
        assert e.body["type"] == "error" and e.body["error"]["type"] == "request_too_large", e.body
        return
    raise AssertionError("no 413")


def the_token_is_served():
    m = right.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert m.content[0].text == "served with the token", m


CASES = [wrong_key_create, wrong_key_stream, wrong_key_count_tokens, wrong_key_models, too_large,
         the_token_is_served]

if __name__ == "__main__":
    suite.main(CASES, f"anthropic {anthropic.__version__}")
