//! The Claude client in-process against the fake: cancellation, timeouts, parsing.

use crate::support::{Delivery, FakeAnthropic, Reply, text_events};
use clauded::anthropic::{
    Client, ClientConfig, ContentBlock, Error, MessageParam, MessagesRequest, Role, StreamEvent,
};
use serde_json::json;
use std::time::Duration;

fn client(fake: &FakeAnthropic) -> Client {
    Client::new(ClientConfig {
        base_url: fake.url(),
        api_key: "sk-ant-test".into(),
        initial_backoff: Duration::from_millis(5),
        idle_timeout: Duration::from_secs(10),
        ..Default::default()
    })
    .unwrap()
}

fn request() -> MessagesRequest {
    MessagesRequest {
        model: "claude-test".into(),
        max_tokens: 100,
        messages: vec![MessageParam {
            role: Role::User,
            content: vec![ContentBlock::text("hi")],
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_upstream_request() {
    let fake = FakeAnthropic::start();
    fake.push(
        Reply::text("a long answer that takes a while to arrive").delivered(Delivery {
            event_delay: Duration::from_millis(100),
            ..Default::default()
        }),
    );
    let c = client(&fake);
    let mut s = c.stream_message(&request()).await.unwrap();
    assert!(matches!(
        s.next().await,
        Some(Ok(StreamEvent::MessageStart { .. }))
    ));
    drop(s);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(fake.disconnects(), 1);
}

#[tokio::test]
async fn an_idle_upstream_times_out() {
    let fake = FakeAnthropic::start();
    fake.push(Reply::text("slow").delivered(Delivery {
        event_delay: Duration::from_millis(1500),
        ..Default::default()
    }));
    let c = Client::new(ClientConfig {
        base_url: fake.url(),
        api_key: "k".into(),
        idle_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .unwrap();
    let mut s = c.stream_message(&request()).await.unwrap();
    let mut last = None;
    while let Some(ev) = s.next().await {
        if let Err(e) = ev {
            last = Some(e);
            break;
        }
    }
    assert!(matches!(last, Some(Error::Timeout { .. })), "{last:?}");
}

#[tokio::test]
async fn tool_use_and_thinking_stream_into_a_full_message() {
    let fake = FakeAnthropic::start();
    let ev = vec![
        (
            "message_start".to_string(),
            json!({"type":"message_start","message":{"id":"msg_t","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me see"}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqSig"}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":0}),
        ),
        (
            "some_future_event".into(),
            json!({"type":"some_future_event","x":1}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":1}),
        ),
        (
            "message_delta".into(),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}),
        ),
        ("message_stop".into(), json!({"type":"message_stop"})),
    ];
    fake.push(Reply::Events(ev).delivered(Delivery {
        chunk: Some(7),
        newline: "\r",
        ..Default::default()
    }));
    let c = client(&fake);
    let mut s = c.stream_message(&request()).await.unwrap();
    let mut acc = clauded::anthropic::Accumulator::new();
    while let Some(ev) = s.next().await {
        acc.apply(&ev.unwrap());
    }
    assert!(acc.is_done());
    let m = acc.snapshot();
    assert_eq!(m.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(
        m.content[1],
        ContentBlock::ToolUse {
            id: "toolu_1".into(),
            name: "get_weather".into(),
            input: json!({"city":"Paris"})
        }
    );
    assert_eq!(
        m.content[0],
        ContentBlock::Thinking {
            thinking: "let me see".into(),
            signature: "EqSig".into()
        }
    );
}

#[tokio::test]
async fn non_streaming_errors_keep_type_message_and_request_id() {
    let fake = FakeAnthropic::start();
    fake.push(Reply::error(404, "not_found_error", "model: claude-nope"));
    let err = client(&fake).create_message(&request()).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, Some(404));
    assert_eq!(api.kind, "not_found_error");
    assert_eq!(api.message, "model: claude-nope");
    assert_eq!(api.request_id.as_deref(), Some("req_fake_404"));
}

#[tokio::test]
async fn models_are_paged_through() {
    let fake = FakeAnthropic::start();
    fake.set_models(&["a", "b", "c"]);
    let models = client(&fake).list_models().await.unwrap();
    assert_eq!(
        models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert!(fake.requests()[0].path.contains("limit="));
    let _ = text_events("m", "x");
}
