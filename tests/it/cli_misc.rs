//! auth, config, models and projects commands.

use crate::support::{Home, run_cmd};
use serde_json::json;

#[test]
fn auth_login_status_logout_with_the_file_store() {
    let mut h = Home::new();
    h.key = None;
    let r = h.run(&["auth", "status"], None);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.contains("no API key"), "{r:?}");

    let key = "sk-ant-api03-SECRETSECRETSECRET-wxyz";
    h.ok(&["auth", "login"], Some(&format!("{key}\n")));
    let cred = h.path().join("credentials.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&cred).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let r = h.ok(&["auth", "status"], None);
    assert!(r.stdout.contains("sk-ant-…wxyz"), "{r:?}");
    assert!(r.stdout.contains("credentials.toml"), "{r:?}");
    assert!(
        !r.stdout.contains("SECRET") && !r.stderr.contains("SECRET"),
        "{r:?}"
    );

    // the stored key is used for requests
    h.ok(&["ask", "hi"], None);
    assert_eq!(h.fake.message_requests()[0].header("x-api-key"), Some(key));

    // the environment wins over the stored key
    let mut c = h.cmd(&["auth", "status", "--json"]);
    c.env("ANTHROPIC_API_KEY", "sk-ant-from-env-000000000000");
    let v: serde_json::Value = serde_json::from_str(&run_cmd(c, None).stdout).unwrap();
    assert_eq!(v["source"], json!("environment variable ANTHROPIC_API_KEY"));

    h.ok(&["auth", "logout"], None);
    assert_eq!(h.run(&["auth", "status"], None).code, 3);
}

#[test]
fn config_path_show_and_init() {
    let h = Home::new();
    let paths = h.json(&["config", "path", "--json"]);
    assert_eq!(paths["database"], json!(h.db()));
    assert_eq!(paths["config_file"], json!(h.path().join("config.toml")));

    let shown = h.ok(&["config", "show"], None).stdout;
    assert!(shown.contains("sk-ant-…cdef"), "{shown}");
    assert!(
        !shown.contains("0123456789abcdef"),
        "show redacts the key: {shown}"
    );
    let v = h.json(&["config", "show", "--json"]);
    assert_eq!(v["base_url"], json!(h.fake.url()));
    assert_eq!(v["sources"]["base_url"], json!("env"));

    let r = h.run(&["config", "init"], None);
    assert_eq!(r.code, 2, "an existing file is not overwritten: {r:?}");
    h.ok(&["config", "init", "--force"], None);
    assert!(
        std::fs::read_to_string(h.path().join("config.toml"))
            .unwrap()
            .contains("# model =")
    );

    std::fs::write(h.path().join("config.toml"), "port = \"eighty\"\n").unwrap();
    let r = h.run(&["config", "show"], None);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("config.toml"), "{r:?}");
}

#[test]
fn an_env_file_is_read_only_when_named_and_below_the_environment() {
    let h = Home::new();
    std::fs::write(
        h.path().join(".env"),
        "CLAUDE_DEFAULT_MODEL=claude-from-dotenv\n",
    )
    .unwrap();
    h.ok(&["ask", "hi"], None);
    assert_eq!(
        h.fake.message_requests()[0].body["model"],
        json!("claude-sonnet-4-5"),
        "./.env is not read by ask"
    );
    h.ok(&["ask", "hi", "--env-file", ".env"], None);
    assert_eq!(
        h.fake.message_requests()[1].body["model"],
        json!("claude-from-dotenv")
    );
    let mut c = h.cmd(&["--env-file", ".env", "ask", "hi"]);
    c.env("CLAUDE_DEFAULT_MODEL", "claude-from-env");
    run_cmd(c, None);
    assert_eq!(
        h.fake.message_requests()[2].body["model"],
        json!("claude-from-env")
    );

    let show = h.ok(&["config", "show", "--env-file", ".env"], None).stdout;
    let line = |k: &str| {
        show.lines()
            .find(|l| l.starts_with(k))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("model ").contains("claude-from-dotenv") && line("model ").contains("# dotenv"),
        "{show}"
    );
    assert!(line("env_file").contains(".env"), "{show}");
    let show = h.ok(&["config", "show"], None).stdout;
    assert!(
        show.contains("(unset)") && !show.contains("claude-from-dotenv"),
        "{show}"
    );

    let r = h.run(&["ask", "hi", "--env-file", "missing.env"], None);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("cannot read the env file missing.env (--env-file)"),
        "{r:?}"
    );
}

#[test]
fn models_come_from_upstream_then_cache_then_builtin() {
    let h = Home::new();
    h.fake.set_models(&["claude-new-1", "claude-new-2"]);
    let v = h.json(&["models", "--json"]);
    assert_eq!(v["source"], json!("upstream"));
    assert_eq!(v["models"][1]["id"], json!("claude-new-2"));
    let v = h.json(&["models", "--json"]);
    assert_eq!(v["source"], json!("cache"));
    let model_gets = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1/models"))
        .count();
    assert_eq!(model_gets, 1, "the second listing came from the cache");

    let fresh = Home::new(); // this fake has no model list: 404
    let v = fresh.json(&["models", "--json"]);
    assert_eq!(v["source"], json!("builtin"));
    assert!(v["models"].as_array().unwrap().len() >= 3);
    assert!(v["note"].as_str().unwrap().contains("not_found_error"));
    let text = fresh.ok(&["models"], None);
    assert!(text.stderr.contains("built-in list"), "{:?}", text.stderr);
}

#[test]
fn projects_add_list_and_sessions_in_their_folder_join_them() {
    let h = Home::new();
    let work = h.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    let id = h
        .ok(
            &[
                "projects",
                "add",
                "Backend API",
                "--path",
                work.to_str().unwrap(),
            ],
            None,
        )
        .stdout
        .trim()
        .to_owned();
    let list = h.json(&["projects", "list", "--json"]);
    assert_eq!(list[0]["name"], json!("Backend API"));

    let mut c = h.cmd(&["ask", "hi"]);
    c.current_dir(work.join("src"));
    run_cmd(c, None);
    let sessions = h.json(&["sessions", "list", "--project", "Backend API", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    assert_eq!(sessions[0]["project_id"], json!(id));

    h.ok(&["projects", "rm", "Backend API"], None);
    assert_eq!(h.json(&["sessions", "list", "--json"]), json!([]));
    let r = h.run(&["projects", "rm", "nope"], None);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn database_url_moves_the_database_and_the_file_is_private() {
    let h = Home::new();
    let other = h.path().join("elsewhere/x.db");
    let mut c = h.cmd(&["ask", "hi"]);
    c.env("DATABASE_URL", format!("sqlite://{}", other.display()));
    let r = run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(other.exists());
    assert!(!h.db().exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&other).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn help_documents_exit_codes_and_bad_flags_exit_2() {
    let h = Home::new();
    let r = h.ok(&["--help"], None);
    assert!(
        r.stdout.contains("Exit codes:") && r.stdout.contains("130"),
        "{r:?}"
    );
    let r = h.run(&["ask", "--no-such-flag"], None);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn man_pages_have_environment_files_and_exit_status() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("man/clauded.1")).unwrap();
    for heading in ["ENVIRONMENT", "FILES", "EXIT STATUS"] {
        assert!(
            page.contains(&format!(".SH \"{heading}\"")),
            "clauded.1 has {heading}"
        );
    }
    for (name, _) in clauded::config::ENV_VARS {
        assert!(
            page.contains(&format!("\\fB{}\\fR", name.replace('-', "\\-"))),
            "ENVIRONMENT names {name}"
        );
    }
    for (code, _) in clauded::error::EXIT_STATUS {
        assert!(
            page.contains(&format!("\\fB{code}\\fR")),
            "EXIT STATUS names {code}"
        );
    }
    let serve = std::fs::read_to_string(root.join("man/clauded-serve.1")).unwrap();
    assert!(serve.contains(".SH \"ENVIRONMENT\"") && serve.contains(".SH \"FILES\""));
    // groff's warnings, where groff is installed
    if let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(root.join("man/clauded.1"))
        .arg(root.join("man/clauded-serve.1"))
        .output()
    {
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && said.trim().is_empty(),
            "groff: {said}"
        );
    }
}

#[test]
fn generated_completions_and_man_pages_are_up_to_date() {
    let h = Home::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (kind, dir) in [("completions", "completions"), ("man", "man")] {
        let out = h.path().join(kind);
        h.ok(&["generate", kind, out.to_str().unwrap()], None);
        for entry in std::fs::read_dir(&out).unwrap() {
            let entry = entry.unwrap();
            let committed = root.join(dir).join(entry.file_name());
            let want = std::fs::read_to_string(entry.path()).unwrap();
            let have = std::fs::read_to_string(&committed).unwrap_or_default();
            assert!(
                want == have,
                "{} is stale: run `cargo run -- generate {kind} {dir}`",
                committed.display()
            );
        }
    }
}
