//! The container as far as this machine can go without a Docker engine: the image's entry
//! point and health check run as the binary with the Dockerfile's environment and paths; the
//! Makefile's .env; .env.example against every variable clauded reads; compose and the
//! Dockerfile agreeing. (hadolint and the compose schema run in .ci/run.)

use crate::support::{Home, finish, serve};
use std::path::Path;

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// The Dockerfile's instructions, continuation lines joined: (instruction, arguments).
fn instructions() -> Vec<(String, String)> {
    let text = repo_file("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(line.trim_end_matches('\\').trim());
        current.push(' ');
        if !line.ends_with('\\') {
            let (ins, args) = current
                .trim()
                .split_once(' ')
                .unwrap_or((current.trim(), ""));
            out.push((ins.to_owned(), args.trim().to_owned()));
            current.clear();
        }
    }
    out
}

/// The runtime stage's instructions: those after the last FROM.
fn runtime() -> Vec<(String, String)> {
    let all = instructions();
    let last = all.iter().rposition(|(i, _)| i == "FROM").unwrap();
    all[last..].to_vec()
}

fn one(stage: &[(String, String)], ins: &str) -> String {
    stage
        .iter()
        .filter(|(i, _)| i == ins)
        .map(|(_, a)| a.clone())
        .next_back()
        .unwrap_or_else(|| panic!("no {ins} in the runtime stage"))
}

/// `["a", "b"]` (exec form) as words.
fn exec_form(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{s} is not exec form: {e}"))
}

/// `ENV A=1 B=2` pairs.
fn image_env() -> Vec<(String, String)> {
    one(&runtime(), "ENV")
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_images_entry_point_and_health_check_work_with_its_environment() {
    let stage = runtime();
    let env = image_env();
    let get = |k: &str| {
        env.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("CLAUDED_HOME"), "/data", "state lives in the volume");
    assert_eq!(one(&stage, "VOLUME"), "/data");
    assert_eq!(one(&stage, "WORKDIR"), "/data");
    assert_eq!(one(&stage, "EXPOSE"), get("PORT"));
    assert!(
        !one(&stage, "USER").starts_with('0') && one(&stage, "USER") != "root",
        "a non-root user"
    );
    let mut command = exec_form(&one(&stage, "ENTRYPOINT"));
    command.extend(exec_form(&one(&stage, "CMD")));
    assert_eq!(command[0], "clauded");
    let health = one(&stage, "HEALTHCHECK");
    let health = exec_form(health.split_once("CMD ").unwrap().1);
    assert_eq!(health[..2], ["clauded", "health"]);

    // the image's environment, with /data in a temp folder and a free port for 8000
    let mut h = Home::new();
    h.key = None;
    let data = h.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let prepare = |args: &[String], with_token: bool| {
        let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
        let mut c = h.cmd(&args);
        c.env_remove("CLAUDED_HOME").current_dir(&data);
        for (k, v) in &env {
            let v = if k == "PORT" {
                port.clone()
            } else {
                v.replace("/data", data.to_str().unwrap())
            };
            c.env(k, v);
        }
        if with_token {
            c.env("CLAUDED_SERVER_TOKEN", "container-test-token");
        }
        c
    };

    // no token: a public bind is refused, with the way out
    let r = finish(prepare(&command, false)).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("refusing to listen on 0.0.0.0"), "{r:?}");

    let s = serve(prepare(&command, true));
    assert!(s.url.ends_with(&format!(":{port}")), "{}", s.url);
    let r = finish(prepare(&health, true)).await;
    assert_eq!(r.code, 0, "the HEALTHCHECK passes: {r:?}");
    assert!(
        data.join("clauded.db").exists(),
        "the database is in the volume"
    );
    drop(s);
    let r = finish(prepare(&health, true)).await;
    assert_eq!(r.code, 1, "and fails once the server is gone: {r:?}");
}

#[test]
fn compose_runs_the_image_as_the_dockerfile_says() {
    let compose = repo_file("compose.yaml");
    for needle in [
        "CLAUDED_HOME: /data",
        "HOST: 0.0.0.0",
        "PORT: \"8000\"",
        "clauded-data:/data",
        "test: [\"CMD\", \"clauded\", \"health\", \"--timeout\", \"4\"]",
        "profiles: [postgres]",
        "pg_isready",
        "condition: service_healthy",
        "\"${CLAUDED_BIND:-127.0.0.1}:${CLAUDED_PUBLISH_PORT:-8000}:8000\"",
    ] {
        assert!(compose.contains(needle), "compose.yaml has {needle}");
    }
    let health = one(&runtime(), "HEALTHCHECK");
    assert!(
        health.ends_with(r#"CMD ["clauded", "health", "--timeout", "4"]"#),
        "{health}"
    );
}

#[test]
fn env_example_documents_every_variable_clauded_reads() {
    let example = repo_file(".env.example");
    let names: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    for (name, _) in clauded::config::ENV_VARS {
        assert!(names.contains(name), ".env.example lacks {name}");
        // under a comment, maybe with other variables of the same comment in between
        let lines: Vec<&str> = example.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name}=")))
            .unwrap();
        let above = lines[..at]
            .iter()
            .rev()
            .find(|l| !l.contains('=') || l.starts_with('#'));
        assert!(
            above.is_some_and(|l| l.starts_with("# ")),
            "{name} has a comment saying what it does"
        );
    }
    let compose_only = [
        "CLAUDED_BIND",
        "CLAUDED_PUBLISH_PORT",
        "COMPOSE_PROFILES",
        "POSTGRES_PASSWORD",
    ];
    for name in &names {
        assert!(
            clauded::config::ENV_VARS.iter().any(|(n, _)| n == name) || compose_only.contains(name),
            ".env.example names {name}, which nothing reads"
        );
    }
}

#[test]
fn make_writes_env_with_a_random_token_and_up_runs_compose() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["Makefile", ".env.example"] {
        std::fs::write(dir.path().join(f), repo_file(f)).unwrap();
    }
    let make = |args: &[&str]| {
        std::process::Command::new("make")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("make is installed")
    };
    let out = make(&[".env"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let token = env
        .lines()
        .find_map(|l| l.strip_prefix("CLAUDED_SERVER_TOKEN="))
        .unwrap();
    assert_eq!(token.len(), 48, "{token}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        env.replace(token, ""),
        repo_file(".env.example"),
        "the rest is the example"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for (target, want) in [
        ("up", "docker compose up -d --build"),
        ("down", "docker compose down"),
        ("logs", "docker compose logs -f"),
        ("ps", "docker compose ps"),
    ] {
        let out = make(&["-n", target]);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && said.contains(want),
            "make {target}: {said}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_its_flags_variables_from_the_env_file() {
    let h = Home::new();
    std::fs::write(
        h.path().join(".env"),
        "CLAUDED_SERVER_TOKEN=from-dotenv-token\nALLOWED_ORIGINS=https://app.example\n",
    )
    .unwrap();
    let s = serve(h.cmd(&["serve", "--port", "0"]));
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/v1/sessions", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the token from ./.env applies");
    let r = http
        .get(format!("{}/v1/sessions", s.url))
        .bearer_auth("from-dotenv-token")
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example",
        "ALLOWED_ORIGINS from ./.env applies"
    );
}
