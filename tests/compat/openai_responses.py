"""The official openai Python SDK's `client.responses` against `clauded serve` (Codex's API).

Run by tests/it/openai_sdk.rs, which scripts the fake upstream in the order of CASES.
Usage: python openai_responses.py BASE_URL
"""
import json
import sys

import openai

import suite

client = openai.OpenAI(base_url=sys.argv[1].rstrip("/") + "/v1", api_key="sk-ant-from-the-sdk-2222", max_retries=0)
MODEL = "claude-sonnet-4-5"
TOOLS = [{"type": "function", "name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
         {"type": "web_search"}]


def create():
    r = client.responses.create(model=MODEL, input="hi", instructions="be brief")
    assert r.output_text == "Hello from responses", r
    assert r.status == "completed" and r.usage.total_tokens == 37, r


def stream():
    deltas = []
    final = None
    with client.responses.stream(model=MODEL, input=[{"role": "user", "content": "hi"}]) as s:
        for ev in s:
            if ev.type == "response.output_text.delta":
                deltas.append(ev.delta)
        final = s.get_final_response()
    assert "".join(deltas) == "streamed through responses", deltas
    assert final.output_text == "streamed through responses", final
    assert final.usage.output_tokens == 12


def function_call_round_trip():
    r = client.responses.create(model=MODEL, input="weather in Paris?", tools=TOOLS)
    calls = [o for o in r.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather", r.output
    assert json.loads(calls[0].arguments) == {"city": "Paris"}
    follow = client.responses.create(model=MODEL, tools=TOOLS, input=[
        {"role": "user", "content": "weather in Paris?"},
        {"type": "function_call", "call_id": calls[0].call_id, "name": "get_weather", "arguments": calls[0].arguments},
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": "18C and sunny"},
    ])
    assert follow.output_text == "It is 18C in Paris.", follow


def streamed_function_call():
    args = []
    with client.responses.stream(model=MODEL, input="weather?", tools=TOOLS) as s:
        for ev in s:
            if ev.type == "response.function_call_arguments.delta":
                args.append(ev.delta)
        final = s.get_final_response()
    call = [o for o in final.output if o.type == "function_call"][0]
    assert json.loads("".join(args)) == {"city": "Paris"} == json.loads(call.arguments), (args, call)


def structured_output():
    r = client.responses.create(model=MODEL, input="give me a", text={"format": {
        "type": "json_schema", "name": "thing", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}})
    assert json.loads(r.output_text) == {"a": 1}, r.output_text


def bad_request():
    try:
        client.responses.create(model=MODEL, input=42)
    except openai.BadRequestError as e:
        assert e.status_code == 400 and e.body["param"] == "input", e.body
        return
    raise AssertionError("no BadRequestError")


def stored_and_continued():
    first = client.responses.create(model=MODEL, input="my name is Ada", instructions="be brief")
    assert first.output_text == "Nice to meet you, Ada.", first
    again = client.responses.retrieve(first.id)
    assert again.id == first.id and again.output_text == first.output_text, again
    # a streamed continuation: the first turn is not resent, the server has it
    with client.responses.stream(model=MODEL, input="what is my name?", previous_response_id=first.id) as s:
        for _ in s:
            pass
        second = s.get_final_response()
    assert second.output_text == "Your name is Ada.", second
    third = client.responses.create(model=MODEL, input="thanks", previous_response_id=second.id)
    assert third.output_text == "You are welcome.", third
    assert client.responses.retrieve(second.id).output_text == "Your name is Ada."
    # store=False keeps nothing; an unknown id is a 400 naming the parameter, a missing one 404
    gone = client.responses.create(model=MODEL, input="forget this", store=False)
    try:
        client.responses.retrieve(gone.id)
        raise AssertionError("a store=False response was kept")
    except openai.NotFoundError:
        pass
    try:
        client.responses.create(model=MODEL, input="x", previous_response_id="resp_missing")
        raise AssertionError("an unknown previous_response_id was accepted")
    except openai.BadRequestError as e:
        assert e.body["param"] == "previous_response_id", e.body


THOUGHT = "The user greets me; a short greeting back will do."
REASONING = {"effort": "low", "summary": "auto"}


def reasoning_summary_streamed():
    kinds, deltas, done = [], [], None
    with client.responses.stream(model=MODEL, input="hi", reasoning=REASONING) as s:
        for ev in s:
            kinds.append(ev.type)
            if ev.type == "response.reasoning_summary_text.delta":
                assert ev.summary_index == 0 and ev.output_index == 0, ev
                deltas.append(ev.delta)
            elif ev.type == "response.reasoning_summary_text.done":
                done = ev
        final = s.get_final_response()
    assert "".join(deltas) == THOUGHT and len(deltas) > 1, deltas
    assert done is not None and done.text == THOUGHT, done
    item = final.output[0]
    assert item.type == "reasoning" and done.item_id == item.id, final.output
    assert [(p.type, p.text) for p in item.summary] == [("summary_text", THOUGHT)], item
    assert final.output_text == "Hi! How can I help?", final
    # the summary's events sit inside the reasoning item's added/done, in OpenAI's order
    want = ["response.output_item.added", "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done", "response.output_item.done"]
    firsts = [kinds.index(k) for k in want]
    assert firsts == sorted(firsts), kinds
    assert kinds.index("response.reasoning_summary_part.done") < kinds.index("response.output_text.delta"), kinds
    # Anthropic's usage has no thinking split: 0, never a guess
    assert final.usage.output_tokens_details.reasoning_tokens == 0, final.usage


def reasoning_summary_whole():
    r = client.responses.create(model=MODEL, input="hi", reasoning=REASONING)
    item = r.output[0]
    assert item.type == "reasoning", r.output
    assert [(p.type, p.text) for p in item.summary] == [("summary_text", THOUGHT)], item
    assert item.encrypted_content is None, "sealed only when include asks"
    assert r.output_text == "Hi! How can I help?", r


CASES = [create, stream, function_call_round_trip, streamed_function_call, structured_output, bad_request,
         stored_and_continued, reasoning_summary_streamed, reasoning_summary_whole]

if __name__ == "__main__":
    suite.main(CASES, f"openai {openai.__version__}")
