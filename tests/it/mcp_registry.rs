//! The registry through the CLI and the API, with real servers.

use crate::support::Home;
use crate::support::server::TestServer;
use crate::support::{mcp_bin as bin, time_server};
use serde_json::json;

#[test]
fn mcp_commands_add_list_tools_call_import_and_remove() {
    let h = Home::new();
    let time = time_server();
    h.ok(
        &[
            "mcp",
            "add",
            "time",
            "--env",
            "TZ_SECRET=hunter2",
            "--",
            time.to_str().unwrap(),
            "--local-timezone",
            "UTC",
        ],
        None,
    );
    let list = h.json(&["mcp", "list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bash", "filesystem", "time"]);
    assert_eq!(list[2]["env"]["TZ_SECRET"], json!("***"));
    let text = h.ok(&["mcp", "list"], None).stdout;
    assert!(!text.contains("hunter2"));

    let tools = h.json(&["mcp", "tools", "time", "--json"]);
    let tnames: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tnames.contains(&"get_current_time") && tnames.contains(&"convert_time"),
        "{tnames:?}"
    );
    let r = h.ok(
        &[
            "mcp",
            "call",
            "time",
            "get_current_time",
            "--args",
            r#"{"timezone":"UTC"}"#,
        ],
        None,
    );
    assert!(r.stdout.contains("UTC"), "{:?}", r.stdout);
    let r = h.run(
        &[
            "mcp",
            "call",
            "time",
            "get_current_time",
            "--args",
            r#"{"timezone":"Not/AZone"}"#,
        ],
        None,
    );
    assert_ne!(r.code, 0, "a tool error is a failing exit: {:?}", r.stdout);

    let root = tempfile::tempdir().unwrap();
    let r = h.ok(
        &[
            "mcp",
            "call",
            "filesystem",
            "write_file",
            "--root",
            root.path().to_str().unwrap(),
            "--args",
            r#"{"path":"f.txt","content":"x"}"#,
        ],
        None,
    );
    assert!(r.stdout.contains("wrote f.txt"));
    let r = h.run(
        &[
            "mcp",
            "call",
            "filesystem",
            "read_file",
            "--root",
            root.path().to_str().unwrap(),
            "--args",
            r#"{"path":"../../etc/passwd"}"#,
        ],
        None,
    );
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("access denied"), "{:?}", r.stdout);

    let cfg = h.path().join("claude_desktop_config.json");
    std::fs::write(
        &cfg,
        json!({"mcpServers": {
            "everything": {"command": bin("mcp-server-everything").to_str().unwrap(), "args": ["stdio"], "env": {"KEY": "${MY_KEY:-fallback}"}, "alwaysAllow": []},
            "remote": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
            "legacy": {"type": "sse", "url": "http://127.0.0.1:9/sse"},
            "time": {"command": "x"}
        }})
        .to_string(),
    )
    .unwrap();
    let mut c = h.cmd(&["mcp", "import", cfg.to_str().unwrap(), "--json"]);
    c.env("TOKEN", "tok-123");
    let report: serde_json::Value =
        serde_json::from_str(&crate::support::run_cmd(c, None).stdout).unwrap();
    assert_eq!(report["added"], json!(["everything", "remote"]));
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["legacy", "time"]);
    let tools = h.json(&["mcp", "tools", "everything", "--json"]);
    assert!(
        tools
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "echo")
    );

    h.ok(&["mcp", "rm", "time"], None);
    let r = h.run(&["mcp", "rm", "bash"], None);
    assert_eq!(r.code, 2, "built-ins stay: {r:?}");
    let r = h.run(&["mcp", "add", "bad name", "--", "x"], None);
    assert_eq!(r.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_api_lists_registers_executes_and_removes() {
    let s = TestServer::start().await;
    let (st, list) = s.get("/v1/mcp/servers").await;
    assert_eq!(st, 200);
    assert_eq!(list["total_count"], json!(2));
    let fs = list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "filesystem")
        .unwrap()
        .clone();
    for k in [
        "id",
        "name",
        "scope",
        "status",
        "tools_count",
        "version",
        "capabilities",
    ] {
        assert!(fs.get(k).is_some(), "{k} in {fs}");
    }
    assert_eq!(fs["tools_count"], json!(5));

    let time = time_server();
    let (st, row) = s
        .post("/v1/mcp/servers", json!({"name":"time","command": time.to_str().unwrap(),"args":["--local-timezone","UTC"],"env":{"SECRET":"s3"}}))
        .await;
    assert_eq!(st, 201, "{row}");
    assert_eq!(row["env"]["SECRET"], json!("***"));
    let id = row["id"].as_str().unwrap().to_owned();
    let (_, tools) = s.get(&format!("/v1/mcp/servers/{id}/tools")).await;
    assert!(
        tools["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "time__get_current_time")
    );
    let (_, list) = s.get("/v1/mcp/servers").await;
    let t = list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "time")
        .unwrap()
        .clone();
    assert_eq!(
        (t["status"].clone(), t["tools_count"].clone()),
        (json!("available"), json!(2))
    );

    let (st, r) = s
        .post(
            "/v1/tools/execute",
            json!({"tool_name":"time__get_current_time","arguments":{"timezone":"UTC"}}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["success"], json!(true));
    assert!(r["result"].as_str().unwrap().contains("UTC") && r["execution_time"].is_f64());
    let (_, r) = s
        .post(
            "/v1/mcp/tools/filesystem__write_file/execute",
            json!({"arguments":{"path":"../escape.txt","content":"x"}}),
        )
        .await;
    assert_eq!(r["success"], json!(false));
    assert!(r["error"].as_str().unwrap().contains("access denied"));
    let (st, _) = s
        .post(
            "/v1/tools/execute",
            json!({"tool_name":"nope__x","arguments":{}}),
        )
        .await;
    assert_eq!(st, 404);

    let (st, r) = s.post("/v1/mcp/servers/time/disable", json!({})).await;
    assert_eq!((st, r["enabled"].clone()), (200, json!(false)));
    let (st, _) = s
        .post(
            "/v1/tools/execute",
            json!({"tool_name":"time__get_current_time","arguments":{}}),
        )
        .await;
    assert_eq!(st, 400, "a disabled server does not run");
    let (st, _) = s.delete(&format!("/v1/mcp/servers/{id}")).await;
    assert_eq!(st, 200);
    let (st, _) = s.delete("/v1/mcp/servers/builtin-bash").await;
    assert_eq!(st, 400);
    let (st, e) = s
        .post("/v1/mcp/servers", json!({"name":"x","transport":"stdio"}))
        .await;
    assert_eq!((st, e["error"]["param"].clone()), (400, json!("command")));
}
