// Real browser clients against a running clauded serve, in headless Chromium:
// - the official openai JS SDK (its browser build, from node_modules) from an allowed origin,
//   plain and streamed;
// - an EventSource with credentials from an allowed origin on WebEDT's event stream;
// - a page on a foreign origin that tries to post to the daemon (refused);
// - a DNS-rebinding page: a foreign name that resolves to the daemon itself (refused by Host).
//
// Usage: node browser.mjs API_BASE SESSION_ID   (prints one JSON object with the results)
// Env: CLAUDED_CHROMIUM (the browser), NODE_PATH-like CLAUDED_NODE_MODULES (playwright-core, openai).

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [api, sessionId] = process.argv.slice(2);
const modules = process.env.CLAUDED_NODE_MODULES;
const require = createRequire(path.join(modules, "noop.js"));
const { chromium } = require("playwright-core");
const apiPort = new URL(api).port;

const page = `<!doctype html><meta charset="utf-8"><title>clauded browser check</title>
<script type="module">
import OpenAI from "/openai/index.mjs";
const api = ${JSON.stringify(api)};
const out = {};
try {
  const client = new OpenAI({ baseURL: api + "/v1", apiKey: "sk-ant-browser-0000", dangerouslyAllowBrowser: true, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] });
  out.plain = r.choices[0].message.content;
  const s = await client.chat.completions.create({ model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "hi" }] });
  let text = "";
  for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
  out.streamed = text;
} catch (e) { out.sdk_error = String(e); }
out.events = await new Promise((resolve) => {
  const got = [];
  const es = new EventSource(api + "/api/sessions/" + ${JSON.stringify(sessionId)} + "/events/stream", { withCredentials: true });
  const done = () => { es.close(); resolve(got); };
  es.onmessage = (m) => { try { got.push(JSON.parse(m.data).type); } catch { got.push("?"); } };
  es.addEventListener("completed", () => { got.push("completed"); done(); });
  es.onerror = () => { got.push("error"); done(); };
  setTimeout(done, 8000);
});
window.__result = out;
</script>`;

const attack = (target) => `<!doctype html><meta charset="utf-8"><script type="module">
const out = {};
for (const [name, init] of [
  ["json", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tool_name: "bash__bash", arguments: { command: "touch pwned-by-page" } }) }],
  ["text_plain", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ tool_name: "bash__bash", arguments: { command: "touch pwned-by-page" } }) }],
]) {
  try { const r = await fetch(${JSON.stringify(target)} + "/v1/tools/execute", init); out[name] = r.type === "opaque" ? "opaque" : r.status; }
  catch (e) { out[name] = "blocked"; }
}
// a simple cross-site request (no preflight) that starts a run when the daemon takes it
try {
  const r = await fetch(${JSON.stringify(target)} + "/api/execute-remote", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" },
    body: JSON.stringify({ userRequest: "push a backdoor", github: { repoUrl: "https://github.com/evil/repo" } }) });
  out.execute = r.type === "opaque" ? "opaque" : r.status;
} catch (e) { out.execute = "blocked"; }
window.__result = out;
</script>`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end(page);
  }
  if (url.pathname === "/attack") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end(attack(url.searchParams.get("target")));
  }
  if (url.pathname.startsWith("/openai/")) {
    const file = path.join(modules, "openai", url.pathname.slice("/openai/".length));
    if (!file.startsWith(path.join(modules, "openai")) || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": "text/javascript" });
    return res.end(fs.readFileSync(file));
  }
  res.writeHead(404);
  res.end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const pagePort = server.address().port;

const browser = await chromium.launch({
  executablePath: process.env.CLAUDED_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // two foreign names for the attacks, both resolving to this machine
    "--host-resolver-rules=MAP evil.test 127.0.0.1, MAP rebind.test 127.0.0.1",
  ],
});
const result = {};
async function run(url) {
  const p = await browser.newPage();
  await p.goto(url);
  await p.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
  const r = await p.evaluate(() => window.__result);
  await p.close();
  return r;
}
try {
  // the app on localhost calls the API on 127.0.0.1: another site, an allowed origin
  result.allowed = await run(`http://localhost:${pagePort}/`);
  // a page on a foreign site posting to the daemon
  result.foreign = await run(`http://evil.test:${pagePort}/attack?target=${encodeURIComponent(api)}`);
  // DNS rebinding: the foreign name now points at the daemon's own port, so the page is
  // "same-origin" with it; only the Host guard stands in the way
  const p = await browser.newPage();
  const resp = await p.goto(`http://rebind.test:${apiPort}/health`);
  result.rebind_status = resp ? resp.status() : null;
  await p.close();
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));
