
use builtin;
use str;

set edit:completion:arg-completer[clauded] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'clauded'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'clauded'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --user 'The account the terminal commands act as: they see and make only its sessions and projects (default: the first admin once accounts exist, else the local owner). Given before the command (`clauded --user EMAIL sessions list`): `service install --user` is systemd''s'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand ask 'Ask one question; reads stdin when it is not a terminal'
            cand run 'Have Claude carry out a request on a new git branch, then commit, push, open a PR'
            cand chat 'Chat interactively'
            cand sessions 'List, show, delete and export sessions'
            cand projects 'List, add and remove projects'
            cand models 'List the models the API offers'
            cand mcp 'Register and use MCP tool servers'
            cand serve 'Run the local API server'
            cand db 'The store: schema status, migrations, copying between SQLite and PostgreSQL'
            cand doctor 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)'
            cand service 'Install, remove or check `clauded serve` as a service (systemd or launchd)'
            cand health 'Ask a running server whether it is ready; exit 0 if so, 1 if not'
            cand hook 'Run as an agent''s hook: `hook permission-request` asks the daemon''s approval hub'
            cand hooks 'Install or remove clauded''s permission hook in an agent''s settings (Claude Code)'
            cand auth 'Store, check or remove the Anthropic API key'
            cand config 'Show or create the configuration'
            cand usage 'Tokens and cost per day, model and source: yours, or with --all every account''s'
            cand users 'Manage the accounts of the server and their API keys (on the store, as its owner)'
            cand generate 'Write shell completions or the man page'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;ask'= {
            cand -m 'Model id (passed through unchecked)'
            cand --model 'Model id (passed through unchecked)'
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Output token limit'
            cand --session 'Continue this session (id or unique prefix)'
            cand --mcp 'Offer this MCP server''s tools (repeatable; `filesystem` and `bash` are built in)'
            cand --root 'Root of the built-in filesystem and bash servers (default: the current directory)'
            cand --max-turns 'Requests to Claude per message, at most (tool calls make more than one)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -c 'Continue the most recent session'
            cand --continue 'Continue the most recent session'
            cand --no-stream 'Wait for the whole answer instead of streaming'
            cand --json 'Print NDJSON events instead of text'
            cand --no-save 'Do not store the exchange'
            cand --raw 'Print the answer as written, without rendering its Markdown (as when stdout is not a terminal, or NO_COLOR is set)'
            cand --no-memory 'Do not send CLAUDE.md and AGENTS.md (of the repository''s root and this folder)'
            cand -y 'Run every tool call without asking'
            cand --yes 'Run every tool call without asking'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;run'= {
            cand --repo 'Repository to clone: an https URL (with GITHUB_TOKEN), a path, or file:// URL'
            cand --base 'Branch to start from (default: the remote''s default branch, or the current one)'
            cand --pr-repo 'OWNER/REPO for the pull request when the remote is not a GitHub URL'
            cand --session 'Continue this run''s session (id or prefix) on its branch'
            cand -m 'Model id'
            cand --model 'Model id'
            cand --max-turns 'Requests to Claude, at most'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --push 'Push the branch (with upstream tracking)'
            cand --pr 'Open a pull request (implies --push); a draft unless --ready'
            cand --ready 'Open the pull request ready for review instead of as a draft'
            cand --no-commit 'Leave the changes uncommitted'
            cand --allow-dirty 'Commit your uncommitted changes first (separately, under your name) instead of refusing'
            cand --json 'Print NDJSON events'
            cand -y 'Run every tool call without asking'
            cand --yes 'Run every tool call without asking'
            cand --raw 'Print Claude''s text as written, without rendering its Markdown'
            cand --no-memory 'Do not send the repository''s CLAUDE.md and AGENTS.md with the request'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;chat'= {
            cand -r 'Resume this session (id or unique prefix)'
            cand --resume 'Resume this session (id or unique prefix)'
            cand -m 'Model id'
            cand --model 'Model id'
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Output token limit'
            cand --mcp 'Offer this MCP server''s tools (repeatable; `filesystem` and `bash` are built in)'
            cand --root 'Root of the built-in filesystem and bash servers (default: the current directory)'
            cand --max-turns 'Requests to Claude per message, at most (tool calls make more than one)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -c 'Resume the most recent session'
            cand --continue 'Resume the most recent session'
            cand --raw 'Print answers as written, without rendering their Markdown (as when stdout is not a terminal, or NO_COLOR is set)'
            cand --no-memory 'Do not send CLAUDE.md and AGENTS.md (of the repository''s root and this folder)'
            cand -y 'Run every tool call without asking'
            cand --yes 'Run every tool call without asking'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List sessions, most recent first'
            cand show 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)'
            cand search 'Search every stored message, newest first'
            cand rm 'Delete a session and its messages'
            cand export 'Export a session as Markdown or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;sessions;list'= {
            cand -p 'Only this project''s (id, prefix or name)'
            cand --project 'Only this project''s (id, prefix or name)'
            cand -n 'At most this many'
            cand --limit 'At most this many'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions;show'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand --raw 'Print Claude''s answers as written, without rendering their Markdown'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions;search'= {
            cand -n 'At most this many hits'
            cand --limit 'At most this many hits'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions;rm'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions;export'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand -o 'Write to this file instead of stdout'
            cand --output 'Write to this file instead of stdout'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;sessions;help'= {
            cand list 'List sessions, most recent first'
            cand show 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)'
            cand search 'Search every stored message, newest first'
            cand rm 'Delete a session and its messages'
            cand export 'Export a session as Markdown or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;sessions;help;list'= {
        }
        &'clauded;sessions;help;show'= {
        }
        &'clauded;sessions;help;search'= {
        }
        &'clauded;sessions;help;rm'= {
        }
        &'clauded;sessions;help;export'= {
        }
        &'clauded;sessions;help;help'= {
        }
        &'clauded;projects'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List projects'
            cand add 'Add a project'
            cand rm 'Remove a project and its sessions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;projects;list'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;projects;add'= {
            cand -p 'A directory it stands for (sessions started inside it join the project)'
            cand --path 'A directory it stands for (sessions started inside it join the project)'
            cand -d 'A description'
            cand --description 'A description'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;projects;rm'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;projects;help'= {
            cand list 'List projects'
            cand add 'Add a project'
            cand rm 'Remove a project and its sessions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;projects;help;list'= {
        }
        &'clauded;projects;help;add'= {
        }
        &'clauded;projects;help;rm'= {
        }
        &'clauded;projects;help;help'= {
        }
        &'clauded;models'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --refresh 'Ask the API again instead of using the cached list'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
            cand list 'List registered servers (secret values are never shown)'
            cand rm 'Remove a server'
            cand tools 'Connect and list a server''s tools'
            cand call 'Call one tool and print its result'
            cand import 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;mcp;add'= {
            cand --url 'Streamable HTTP endpoint instead of a command'
            cand --env 'Environment for the command, `K=V` (repeatable)'
            cand --header 'Header for the URL, `K:V` (repeatable)'
            cand --project 'Only for this project (id, prefix or name)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;list'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;rm'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;tools'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;call'= {
            cand --args 'Arguments as a JSON object'
            cand --root 'Root for the built-in servers (default: the current directory)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print the result as JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;import'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print the report as JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;mcp;help'= {
            cand add 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
            cand list 'List registered servers (secret values are never shown)'
            cand rm 'Remove a server'
            cand tools 'Connect and list a server''s tools'
            cand call 'Call one tool and print its result'
            cand import 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;mcp;help;add'= {
        }
        &'clauded;mcp;help;list'= {
        }
        &'clauded;mcp;help;rm'= {
        }
        &'clauded;mcp;help;tools'= {
        }
        &'clauded;mcp;help;call'= {
        }
        &'clauded;mcp;help;import'= {
        }
        &'clauded;mcp;help;help'= {
        }
        &'clauded;serve'= {
            cand --host 'Address to bind (HOST; default 127.0.0.1)'
            cand --port 'Port to bind (PORT; default 8000; 0 picks a free one)'
            cand --db 'The store: a path, sqlite:// or postgres:// URL (DATABASE_URL)'
            cand --lease-ttl 'Seconds a turn''s or run''s lease outlives its instance''s last heartbeat: when an instance dies, another one on the store closes its runs within this time (at least 3)'
            cand --request-log-days 'Days each exchange''s request-log row is kept (0: all); usage per owner, day and model stays. The log is written off the requests'' path, in batches'
            cand --token 'Require `Authorization: Bearer TOKEN` (or x-api-key) on every route but /health. On the command line it is visible to other users in `ps`; prefer --token-file or CLAUDED_SERVER_TOKEN'
            cand --token-file 'Read the required token from FILE (surrounding whitespace and the newline are dropped)'
            cand --cors-origin 'Another allowed CORS origin (repeatable; `*` for any). Loopback origins are always allowed'
            cand --allowed-host 'Another `Host` name accepted on a loopback address (repeatable; loopback names always are)'
            cand --metrics-addr 'Also serve GET /metrics on this address, without the token (e.g. 127.0.0.1:9100 for a local Prometheus). /metrics stays on the main address, behind the token'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --no-migrate 'Do not migrate the store at start (a deployment that runs `clauded db migrate` in a job); a schema other than this build''s is then an error'
            cand --allow-unauthenticated 'Listen on a non-loopback address without a token'
            cand --allow-local-repos 'Let runs clone local paths and file:// URLs (trusted setups and tests only)'
            cand --demo 'Add the demo projects and sessions (idempotent)'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;db'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show the store''s engine, where it is, and which migrations it has'
            cand migrate 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
            cand copy 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;db;status'= {
            cand --db 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;db;migrate'= {
            cand --db 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;db;copy'= {
            cand --from 'The store to read'
            cand --to 'The store to write; must be empty unless --force'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --force 'Replace whatever the target holds'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;db;help'= {
            cand status 'Show the store''s engine, where it is, and which migrations it has'
            cand migrate 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
            cand copy 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;db;help;status'= {
        }
        &'clauded;db;help;migrate'= {
        }
        &'clauded;db;help;copy'= {
        }
        &'clauded;db;help;help'= {
        }
        &'clauded;doctor'= {
            cand --timeout 'Seconds each network check and each MCP server may take'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print one JSON document'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;service'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install 'Install and start the service (system-wide as root, else for this user)'
            cand uninstall 'Stop the service and remove its unit (data and the `clauded` user are kept)'
            cand status 'Whether the service runs, and whether it answers /health/ready'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;service;install'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --user 'This user''s service (systemd --user; launchd agent on macOS)'
            cand --system 'The system''s service (runs as the `clauded` user; needs root). Linux only'
            cand --print 'Print the unit (or plist) instead of installing it'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;service;uninstall'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --user 'This user''s service (systemd --user; launchd agent on macOS)'
            cand --system 'The system''s service (runs as the `clauded` user; needs root). Linux only'
            cand --print 'Print the unit (or plist) instead of installing it'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;service;status'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --user 'This user''s service (systemd --user; launchd agent on macOS)'
            cand --system 'The system''s service (runs as the `clauded` user; needs root). Linux only'
            cand --print 'Print the unit (or plist) instead of installing it'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;service;help'= {
            cand install 'Install and start the service (system-wide as root, else for this user)'
            cand uninstall 'Stop the service and remove its unit (data and the `clauded` user are kept)'
            cand status 'Whether the service runs, and whether it answers /health/ready'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;service;help;install'= {
        }
        &'clauded;service;help;uninstall'= {
        }
        &'clauded;service;help;status'= {
        }
        &'clauded;service;help;help'= {
        }
        &'clauded;health'= {
            cand --url 'The server''s base URL (default: http://HOST:PORT from the configuration, as `serve` uses it)'
            cand --port 'Port of a local server (overrides PORT)'
            cand --timeout 'Seconds to wait for the answer'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;hook'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand permission-request 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;hook;permission-request'= {
            cand --url 'The daemon''s base URL (default: http://HOST:PORT from the configuration, as `clauded health` finds it)'
            cand --token-file 'Read the server token from FILE (else CLAUDED_SERVER_TOKEN), sent as a bearer token'
            cand --timeout 'Seconds to wait for the answer (keep it within the agent''s own hook timeout)'
            cand --source 'Which agent runs the hook (default: Codex when the input has its `turn_id`, else Claude Code)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;hook;help'= {
            cand permission-request 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;hook;help;permission-request'= {
        }
        &'clauded;hook;help;help'= {
        }
        &'clauded;hooks'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)'
            cand uninstall 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;hooks;install'= {
            cand --url 'The daemon''s base URL (default: http://HOST:PORT from the configuration)'
            cand --timeout 'Seconds the agent waits for the phone before it asks locally'
            cand --key-env 'The variable in Claude Code''s environment whose value the HTTP hook sends as its bearer: the server''s token, or on a server with accounts your own `ck_` key (the approvals are then yours)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --project 'This project''s `./.claude/settings.json` instead of the user''s'
            cand --command 'A command hook (`clauded hook permission-request`) instead of the HTTP hook'
            cand --print 'Print the hook''s settings JSON instead of writing the file'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;hooks;uninstall'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --project 'This project''s `./.claude/settings.json` instead of the user''s'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;hooks;help'= {
            cand install 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)'
            cand uninstall 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;hooks;help;install'= {
        }
        &'clauded;hooks;help;uninstall'= {
        }
        &'clauded;hooks;help;help'= {
        }
        &'clauded;auth'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Store a key (prompted without echo, or one line read from piped stdin)'
            cand status 'Say which key is in use and where it comes from (redacted)'
            cand logout 'Remove the stored key'
            cand github 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
            cand notify 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;auth;login'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;auth;status'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;auth;logout'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;auth;github'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --remove 'Remove the stored token'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;auth;notify'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --remove 'Remove the stored token'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;auth;help'= {
            cand login 'Store a key (prompted without echo, or one line read from piped stdin)'
            cand status 'Say which key is in use and where it comes from (redacted)'
            cand logout 'Remove the stored key'
            cand github 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
            cand notify 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;auth;help;login'= {
        }
        &'clauded;auth;help;status'= {
        }
        &'clauded;auth;help;logout'= {
        }
        &'clauded;auth;help;github'= {
        }
        &'clauded;auth;help;notify'= {
        }
        &'clauded;auth;help;help'= {
        }
        &'clauded;config'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand path 'Print the paths of every file clauded reads or writes'
            cand show 'Print the effective configuration and where each value came from (secrets redacted)'
            cand init 'Write a commented config file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;config;path'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;config;show'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;config;init'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --force 'Overwrite an existing file'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;config;help'= {
            cand path 'Print the paths of every file clauded reads or writes'
            cand show 'Print the effective configuration and where each value came from (secrets redacted)'
            cand init 'Write a commented config file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;config;help;path'= {
        }
        &'clauded;config;help;show'= {
        }
        &'clauded;config;help;init'= {
        }
        &'clauded;config;help;help'= {
        }
        &'clauded;usage'= {
            cand --days 'The last N UTC days, today included (default 30)'
            cand --since 'From this UTC day on (YYYY-MM-DD)'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --all 'Every account''s usage, each row with its account'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
            cand list 'List the accounts'
            cand rm 'Delete an account with its sessions, projects, logins and keys'
            cand passwd 'Set an account''s password (prompted for, or one line of piped stdin)'
            cand admin 'Make an account an admin, or with --off no longer one (never the last admin)'
            cand key 'An account''s API keys (`ck_…`, for programs and the iOS app)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;users;add'= {
            cand --name 'A name to show'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --admin 'Make it an admin'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;list'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;rm'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -y 'Do not ask (needed when stdin is not a terminal)'
            cand --yes 'Do not ask (needed when stdin is not a terminal)'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;passwd'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;admin'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --off 'Take the admin right away'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;key'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Make a key and print it, once, alone on stdout'
            cand list 'List an account''s keys (never the keys themselves)'
            cand rm 'Delete one of an account''s keys'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;users;key;create'= {
            cand --name 'What the key is for'
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;key;list'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand --json 'Print JSON'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;key;rm'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;users;key;help'= {
            cand create 'Make a key and print it, once, alone on stdout'
            cand list 'List an account''s keys (never the keys themselves)'
            cand rm 'Delete one of an account''s keys'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;users;key;help;create'= {
        }
        &'clauded;users;key;help;list'= {
        }
        &'clauded;users;key;help;rm'= {
        }
        &'clauded;users;key;help;help'= {
        }
        &'clauded;users;help'= {
            cand add 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
            cand list 'List the accounts'
            cand rm 'Delete an account with its sessions, projects, logins and keys'
            cand passwd 'Set an account''s password (prompted for, or one line of piped stdin)'
            cand admin 'Make an account an admin, or with --off no longer one (never the last admin)'
            cand key 'An account''s API keys (`ck_…`, for programs and the iOS app)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;users;help;add'= {
        }
        &'clauded;users;help;list'= {
        }
        &'clauded;users;help;rm'= {
        }
        &'clauded;users;help;passwd'= {
        }
        &'clauded;users;help;admin'= {
        }
        &'clauded;users;help;key'= {
            cand create 'Make a key and print it, once, alone on stdout'
            cand list 'List an account''s keys (never the keys themselves)'
            cand rm 'Delete one of an account''s keys'
        }
        &'clauded;users;help;key;create'= {
        }
        &'clauded;users;help;key;list'= {
        }
        &'clauded;users;help;key;rm'= {
        }
        &'clauded;users;help;help'= {
        }
        &'clauded;generate'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand completions 'Completions for bash, zsh, fish, elvish and PowerShell'
            cand man 'Man pages: clauded.1 and one per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;generate;completions'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;generate;man'= {
            cand --env-file 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours'
            cand -q 'Less output on stderr (no spinner, no usage lines)'
            cand --quiet 'Less output on stderr (no spinner, no usage lines)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'clauded;generate;help'= {
            cand completions 'Completions for bash, zsh, fish, elvish and PowerShell'
            cand man 'Man pages: clauded.1 and one per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;generate;help;completions'= {
        }
        &'clauded;generate;help;man'= {
        }
        &'clauded;generate;help;help'= {
        }
        &'clauded;help'= {
            cand ask 'Ask one question; reads stdin when it is not a terminal'
            cand run 'Have Claude carry out a request on a new git branch, then commit, push, open a PR'
            cand chat 'Chat interactively'
            cand sessions 'List, show, delete and export sessions'
            cand projects 'List, add and remove projects'
            cand models 'List the models the API offers'
            cand mcp 'Register and use MCP tool servers'
            cand serve 'Run the local API server'
            cand db 'The store: schema status, migrations, copying between SQLite and PostgreSQL'
            cand doctor 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)'
            cand service 'Install, remove or check `clauded serve` as a service (systemd or launchd)'
            cand health 'Ask a running server whether it is ready; exit 0 if so, 1 if not'
            cand hook 'Run as an agent''s hook: `hook permission-request` asks the daemon''s approval hub'
            cand hooks 'Install or remove clauded''s permission hook in an agent''s settings (Claude Code)'
            cand auth 'Store, check or remove the Anthropic API key'
            cand config 'Show or create the configuration'
            cand usage 'Tokens and cost per day, model and source: yours, or with --all every account''s'
            cand users 'Manage the accounts of the server and their API keys (on the store, as its owner)'
            cand generate 'Write shell completions or the man page'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'clauded;help;ask'= {
        }
        &'clauded;help;run'= {
        }
        &'clauded;help;chat'= {
        }
        &'clauded;help;sessions'= {
            cand list 'List sessions, most recent first'
            cand show 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)'
            cand search 'Search every stored message, newest first'
            cand rm 'Delete a session and its messages'
            cand export 'Export a session as Markdown or JSON'
        }
        &'clauded;help;sessions;list'= {
        }
        &'clauded;help;sessions;show'= {
        }
        &'clauded;help;sessions;search'= {
        }
        &'clauded;help;sessions;rm'= {
        }
        &'clauded;help;sessions;export'= {
        }
        &'clauded;help;projects'= {
            cand list 'List projects'
            cand add 'Add a project'
            cand rm 'Remove a project and its sessions'
        }
        &'clauded;help;projects;list'= {
        }
        &'clauded;help;projects;add'= {
        }
        &'clauded;help;projects;rm'= {
        }
        &'clauded;help;models'= {
        }
        &'clauded;help;mcp'= {
            cand add 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
            cand list 'List registered servers (secret values are never shown)'
            cand rm 'Remove a server'
            cand tools 'Connect and list a server''s tools'
            cand call 'Call one tool and print its result'
            cand import 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
        }
        &'clauded;help;mcp;add'= {
        }
        &'clauded;help;mcp;list'= {
        }
        &'clauded;help;mcp;rm'= {
        }
        &'clauded;help;mcp;tools'= {
        }
        &'clauded;help;mcp;call'= {
        }
        &'clauded;help;mcp;import'= {
        }
        &'clauded;help;serve'= {
        }
        &'clauded;help;db'= {
            cand status 'Show the store''s engine, where it is, and which migrations it has'
            cand migrate 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
            cand copy 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
        }
        &'clauded;help;db;status'= {
        }
        &'clauded;help;db;migrate'= {
        }
        &'clauded;help;db;copy'= {
        }
        &'clauded;help;doctor'= {
        }
        &'clauded;help;service'= {
            cand install 'Install and start the service (system-wide as root, else for this user)'
            cand uninstall 'Stop the service and remove its unit (data and the `clauded` user are kept)'
            cand status 'Whether the service runs, and whether it answers /health/ready'
        }
        &'clauded;help;service;install'= {
        }
        &'clauded;help;service;uninstall'= {
        }
        &'clauded;help;service;status'= {
        }
        &'clauded;help;health'= {
        }
        &'clauded;help;hook'= {
            cand permission-request 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
        }
        &'clauded;help;hook;permission-request'= {
        }
        &'clauded;help;hooks'= {
            cand install 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)'
            cand uninstall 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)'
        }
        &'clauded;help;hooks;install'= {
        }
        &'clauded;help;hooks;uninstall'= {
        }
        &'clauded;help;auth'= {
            cand login 'Store a key (prompted without echo, or one line read from piped stdin)'
            cand status 'Say which key is in use and where it comes from (redacted)'
            cand logout 'Remove the stored key'
            cand github 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
            cand notify 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
        }
        &'clauded;help;auth;login'= {
        }
        &'clauded;help;auth;status'= {
        }
        &'clauded;help;auth;logout'= {
        }
        &'clauded;help;auth;github'= {
        }
        &'clauded;help;auth;notify'= {
        }
        &'clauded;help;config'= {
            cand path 'Print the paths of every file clauded reads or writes'
            cand show 'Print the effective configuration and where each value came from (secrets redacted)'
            cand init 'Write a commented config file'
        }
        &'clauded;help;config;path'= {
        }
        &'clauded;help;config;show'= {
        }
        &'clauded;help;config;init'= {
        }
        &'clauded;help;usage'= {
        }
        &'clauded;help;users'= {
            cand add 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
            cand list 'List the accounts'
            cand rm 'Delete an account with its sessions, projects, logins and keys'
            cand passwd 'Set an account''s password (prompted for, or one line of piped stdin)'
            cand admin 'Make an account an admin, or with --off no longer one (never the last admin)'
            cand key 'An account''s API keys (`ck_…`, for programs and the iOS app)'
        }
        &'clauded;help;users;add'= {
        }
        &'clauded;help;users;list'= {
        }
        &'clauded;help;users;rm'= {
        }
        &'clauded;help;users;passwd'= {
        }
        &'clauded;help;users;admin'= {
        }
        &'clauded;help;users;key'= {
            cand create 'Make a key and print it, once, alone on stdout'
            cand list 'List an account''s keys (never the keys themselves)'
            cand rm 'Delete one of an account''s keys'
        }
        &'clauded;help;users;key;create'= {
        }
        &'clauded;help;users;key;list'= {
        }
        &'clauded;help;users;key;rm'= {
        }
        &'clauded;help;generate'= {
            cand completions 'Completions for bash, zsh, fish, elvish and PowerShell'
            cand man 'Man pages: clauded.1 and one per subcommand'
        }
        &'clauded;help;generate;completions'= {
        }
        &'clauded;help;generate;man'= {
        }
        &'clauded;help;help'= {
        }
    ]
    $completions[$command]
}
