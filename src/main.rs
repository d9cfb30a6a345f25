//! The `clauded` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    clauded::cli::main()
}
