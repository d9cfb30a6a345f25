//! The engine: conversations over the Claude client and the store, shared by every front end.

mod models;
mod turn;

pub use models::{ModelList, ModelListSource, list_models};
pub use turn::{
    TurnContext, TurnError, TurnEvent, TurnOptions, TurnOutcome, history_params, run_turn,
    title_from,
};
