//! Integration tests: the binary end to end, and the library against the fake upstream.

mod support;

mod accounts;
mod agent;
mod agents;
mod anthropic_sdk;
mod approvals;
mod browser;
mod cli_ask;
mod cli_chat;
mod cli_edges;
mod cli_memory;
mod cli_misc;
mod cli_search;
mod cli_serve;
#[cfg(unix)]
mod cli_terminal;
mod cli_users;
mod client;
mod container;
mod credentials;
mod data_safety;
mod db_cli;
mod doctor;
mod github_oauth;
mod hooks;
mod instances;
mod mcp_client;
mod mcp_registry;
mod observability;
mod openai_sdk;
mod openapi;
mod packaging;
mod run_git;
mod server_faults;
mod server_guards;
mod server_routes;
mod service;
mod shared_store;
mod tools_safety;
mod webedt;
mod webedt_sessions;
