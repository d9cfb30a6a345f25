//! A stateless exchange (no session): the OpenAI front end's path to Claude. Every exchange,
//! finished or not, lands in the request log.

use super::turn::{TurnContext, log_exchange};
use crate::anthropic::{self, Accumulator, Message, MessageStream, MessagesRequest, StreamEvent};
use crate::pricing;
use std::time::Instant;

/// An open streaming exchange; read it with [`Completion::next`], close it with [`Completion::finish`].
pub struct Completion {
    ctx: TurnContext,
    stream: MessageStream,
    acc: Accumulator,
    model: String,
    started: Instant,
    /// An agent's session the answer is recorded in (see [`Completion::recorded_in`]).
    session: Option<String>,
}

/// Opens a stream; an error here came before the first byte (the front end can still send a
/// real HTTP error). Retries happen inside.
pub async fn open_completion(
    ctx: &TurnContext,
    req: &MessagesRequest,
) -> Result<Completion, anthropic::Error> {
    let started = Instant::now();
    match ctx.client.stream_message(req).await {
        Ok(stream) => Ok(Completion {
            ctx: ctx.clone(),
            stream,
            acc: Accumulator::new(),
            model: req.model.clone(),
            started,
            session: None,
        }),
        Err(e) => {
            log_exchange(
                ctx,
                None,
                &req.model,
                &Default::default(),
                0.0,
                started,
                None,
                Some(&e),
                false,
            )
            .await;
            Err(e)
        }
    }
}

impl Completion {
    /// The next event (already folded into the message).
    pub async fn next(&mut self) -> Option<Result<StreamEvent, anthropic::Error>> {
        let ev = self.stream.next().await;
        if let Some(Ok(e)) = &ev {
            self.acc.apply(e);
        }
        ev
    }

    /// The answer goes into this agent's session when the exchange finishes (as far as it
    /// got; a cancelled one says so).
    pub fn recorded_in(mut self, session: Option<String>) -> Self {
        self.session = session;
        self
    }

    /// Logs the exchange and returns the message as far as it got.
    pub async fn finish(self, error: Option<&anthropic::Error>, cancelled: bool) -> Message {
        let msg = self.acc.snapshot();
        let model = if msg.model.is_empty() {
            self.model.clone()
        } else {
            msg.model.clone()
        };
        let cost = pricing::cost(&model, &msg.usage);
        let request_id = self.stream.request_id().map(str::to_owned);
        log_exchange(
            &self.ctx,
            None,
            &model,
            &msg.usage,
            cost,
            self.started,
            request_id,
            error,
            cancelled,
        )
        .await;
        if let Some(sid) = &self.session {
            let usage = msg.usage;
            super::passthrough::record_answer(
                &self.ctx,
                sid,
                &model,
                msg.clone(),
                usage,
                cancelled,
            )
            .await;
        }
        msg
    }
}

/// A non-streaming exchange.
pub async fn complete(
    ctx: &TurnContext,
    req: &MessagesRequest,
) -> Result<Message, anthropic::Error> {
    let started = Instant::now();
    let result = ctx.client.create_message(req).await;
    let (usage, model, cost) = match &result {
        Ok(m) => (m.usage, m.model.clone(), pricing::cost(&m.model, &m.usage)),
        Err(_) => (Default::default(), req.model.clone(), 0.0),
    };
    log_exchange(
        ctx,
        None,
        &model,
        &usage,
        cost,
        started,
        None,
        result.as_ref().err(),
        false,
    )
    .await;
    result
}
