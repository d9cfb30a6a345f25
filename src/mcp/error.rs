//! Errors of the MCP client; messages name the server and say what to do, never a header value.

/// Everything that can go wrong talking to an MCP server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server's process could not be started, or it exited during startup.
    #[error("{0}")]
    Spawn(String),
    /// The server could not be reached, or the connection failed mid-request.
    #[error("{0}")]
    Connect(String),
    /// The handshake or a request took longer than allowed; the text says which.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server has exited or the connection is gone; reconnect (restart) it to go on.
    #[error(
        "the MCP server has exited or its connection is gone; reconnect to it (restart it) and retry"
    )]
    Closed,
    /// The server said something this client cannot use (bad version, unexpected answer).
    #[error("{0}")]
    Protocol(String),
    /// The server specification cannot be used (bad URL, bad header, empty command).
    #[error("{0}")]
    Config(String),
    /// The tool arguments were not a JSON object.
    #[error("{0}")]
    Arguments(String),
}

impl Error {
    /// True when the connection is gone and only a reconnect (restart) can help.
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::Closed)
    }
}
