//! The engine: conversations over the Claude client and the store, shared by every front end.

pub mod accounts;
pub mod approvals;
mod completion;
pub mod events;
pub mod lease;
pub mod memory;
mod models;
pub mod naming;
pub mod notify;
pub mod passthrough;
pub mod run;
pub mod tools;
mod turn;
pub mod usage;

pub use completion::{Completion, complete, open_completion};
pub use lease::SessionLease;
pub use models::{ModelList, ModelListSource, list_models};
pub use turn::{
    Tooling, TurnContext, TurnError, TurnEvent, TurnOptions, TurnOutcome, history_params, run_turn,
    title_from,
};
