
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'clauded' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'clauded'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'clauded' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The account the terminal commands act as: they see and make only its sessions and projects (default: the first admin once accounts exist, else the local owner). Given before the command (`clauded --user EMAIL sessions list`): `service install --user` is systemd''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one question; reads stdin when it is not a terminal')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Have Claude carry out a request on a new git branch, then commit, push, open a PR')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Chat interactively')
            [CompletionResult]::new('sessions', 'sessions', [CompletionResultType]::ParameterValue, 'List, show, delete and export sessions')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List, add and remove projects')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the API offers')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Register and use MCP tool servers')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the local API server')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The store: schema status, migrations, copying between SQLite and PostgreSQL')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'Install, remove or check `clauded serve` as a service (systemd or launchd)')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Ask a running server whether it is ready; exit 0 if so, 1 if not')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Run as an agent''s hook: `hook permission-request` asks the daemon''s approval hub')
            [CompletionResult]::new('hooks', 'hooks', [CompletionResultType]::ParameterValue, 'Install or remove clauded''s permission hook in an agent''s settings (Claude Code)')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Store, check or remove the Anthropic API key')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or create the configuration')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Tokens and cost per day, model and source: yours, or with --all every account''s')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Manage the accounts of the server and their API keys (on the store, as its owner)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or the man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;ask' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model id (passed through unchecked)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model id (passed through unchecked)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Output token limit')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Continue this session (id or unique prefix)')
            [CompletionResult]::new('--mcp', '--mcp', [CompletionResultType]::ParameterName, 'Offer this MCP server''s tools (repeatable; `filesystem` and `bash` are built in)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Root of the built-in filesystem and bash servers (default: the current directory)')
            [CompletionResult]::new('--max-turns', '--max-turns', [CompletionResultType]::ParameterName, 'Requests to Claude per message, at most (tool calls make more than one)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Continue the most recent session')
            [CompletionResult]::new('--continue', '--continue', [CompletionResultType]::ParameterName, 'Continue the most recent session')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for the whole answer instead of streaming')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events instead of text')
            [CompletionResult]::new('--no-save', '--no-save', [CompletionResultType]::ParameterName, 'Do not store the exchange')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the answer as written, without rendering its Markdown (as when stdout is not a terminal, or NO_COLOR is set)')
            [CompletionResult]::new('--no-memory', '--no-memory', [CompletionResultType]::ParameterName, 'Do not send CLAUDE.md and AGENTS.md (of the repository''s root and this folder)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;run' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository to clone: an https URL (with GITHUB_TOKEN), a path, or file:// URL')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Branch to start from (default: the remote''s default branch, or the current one)')
            [CompletionResult]::new('--pr-repo', '--pr-repo', [CompletionResultType]::ParameterName, 'OWNER/REPO for the pull request when the remote is not a GitHub URL')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Continue this run''s session (id or prefix) on its branch')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model id')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model id')
            [CompletionResult]::new('--max-turns', '--max-turns', [CompletionResultType]::ParameterName, 'Requests to Claude, at most')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--push', '--push', [CompletionResultType]::ParameterName, 'Push the branch (with upstream tracking)')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'Open a pull request (implies --push); a draft unless --ready')
            [CompletionResult]::new('--ready', '--ready', [CompletionResultType]::ParameterName, 'Open the pull request ready for review instead of as a draft')
            [CompletionResult]::new('--no-commit', '--no-commit', [CompletionResultType]::ParameterName, 'Leave the changes uncommitted')
            [CompletionResult]::new('--allow-dirty', '--allow-dirty', [CompletionResultType]::ParameterName, 'Commit your uncommitted changes first (separately, under your name) instead of refusing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print NDJSON events')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print Claude''s text as written, without rendering its Markdown')
            [CompletionResult]::new('--no-memory', '--no-memory', [CompletionResultType]::ParameterName, 'Do not send the repository''s CLAUDE.md and AGENTS.md with the request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;chat' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Resume this session (id or unique prefix)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Resume this session (id or unique prefix)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model id')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model id')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Output token limit')
            [CompletionResult]::new('--mcp', '--mcp', [CompletionResultType]::ParameterName, 'Offer this MCP server''s tools (repeatable; `filesystem` and `bash` are built in)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Root of the built-in filesystem and bash servers (default: the current directory)')
            [CompletionResult]::new('--max-turns', '--max-turns', [CompletionResultType]::ParameterName, 'Requests to Claude per message, at most (tool calls make more than one)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Resume the most recent session')
            [CompletionResult]::new('--continue', '--continue', [CompletionResultType]::ParameterName, 'Resume the most recent session')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print answers as written, without rendering their Markdown (as when stdout is not a terminal, or NO_COLOR is set)')
            [CompletionResult]::new('--no-memory', '--no-memory', [CompletionResultType]::ParameterName, 'Do not send CLAUDE.md and AGENTS.md (of the repository''s root and this folder)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run every tool call without asking')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sessions, most recent first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search every stored message, newest first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete a session and its messages')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a session as Markdown or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;sessions;list' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this project''s (id, prefix or name)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project''s (id, prefix or name)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions;show' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print Claude''s answers as written, without rendering their Markdown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions;search' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many hits')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many hits')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions;rm' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions;export' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;sessions;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sessions, most recent first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search every stored message, newest first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete a session and its messages')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a session as Markdown or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;sessions;help;list' {
            break
        }
        'clauded;sessions;help;show' {
            break
        }
        'clauded;sessions;help;search' {
            break
        }
        'clauded;sessions;help;rm' {
            break
        }
        'clauded;sessions;help;export' {
            break
        }
        'clauded;sessions;help;help' {
            break
        }
        'clauded;projects' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List projects')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a project')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a project and its sessions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;projects;list' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;projects;add' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'A directory it stands for (sessions started inside it join the project)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'A directory it stands for (sessions started inside it join the project)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'A description')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A description')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;projects;rm' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;projects;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List projects')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a project')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a project and its sessions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;projects;help;list' {
            break
        }
        'clauded;projects;help;add' {
            break
        }
        'clauded;projects;help;rm' {
            break
        }
        'clauded;projects;help;help' {
            break
        }
        'clauded;models' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask the API again instead of using the cached list')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List registered servers (secret values are never shown)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a server')
            [CompletionResult]::new('tools', 'tools', [CompletionResultType]::ParameterValue, 'Connect and list a server''s tools')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call one tool and print its result')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the `mcpServers` of a Claude Desktop or Claude Code config file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;mcp;add' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Streamable HTTP endpoint instead of a command')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment for the command, `K=V` (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Header for the URL, `K:V` (repeatable)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only for this project (id, prefix or name)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;list' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;rm' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;tools' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;call' {
            [CompletionResult]::new('--args', '--args', [CompletionResultType]::ParameterName, 'Arguments as a JSON object')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Root for the built-in servers (default: the current directory)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;import' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;mcp;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List registered servers (secret values are never shown)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a server')
            [CompletionResult]::new('tools', 'tools', [CompletionResultType]::ParameterValue, 'Connect and list a server''s tools')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call one tool and print its result')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the `mcpServers` of a Claude Desktop or Claude Code config file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;mcp;help;add' {
            break
        }
        'clauded;mcp;help;list' {
            break
        }
        'clauded;mcp;help;rm' {
            break
        }
        'clauded;mcp;help;tools' {
            break
        }
        'clauded;mcp;help;call' {
            break
        }
        'clauded;mcp;help;import' {
            break
        }
        'clauded;mcp;help;help' {
            break
        }
        'clauded;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind (HOST; default 127.0.0.1)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to bind (PORT; default 8000; 0 picks a free one)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store: a path, sqlite:// or postgres:// URL (DATABASE_URL)')
            [CompletionResult]::new('--lease-ttl', '--lease-ttl', [CompletionResultType]::ParameterName, 'Seconds a turn''s or run''s lease outlives its instance''s last heartbeat: when an instance dies, another one on the store closes its runs within this time (at least 3)')
            [CompletionResult]::new('--request-log-days', '--request-log-days', [CompletionResultType]::ParameterName, 'Days each exchange''s request-log row is kept (0: all); usage per owner, day and model stays. The log is written off the requests'' path, in batches')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Require `Authorization: Bearer TOKEN` (or x-api-key) on every route but /health. On the command line it is visible to other users in `ps`; prefer --token-file or CLAUDED_SERVER_TOKEN')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the required token from FILE (surrounding whitespace and the newline are dropped)')
            [CompletionResult]::new('--cors-origin', '--cors-origin', [CompletionResultType]::ParameterName, 'Another allowed CORS origin (repeatable; `*` for any). Loopback origins are always allowed')
            [CompletionResult]::new('--allowed-host', '--allowed-host', [CompletionResultType]::ParameterName, 'Another `Host` name accepted on a loopback address (repeatable; loopback names always are)')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Also serve GET /metrics on this address, without the token (e.g. 127.0.0.1:9100 for a local Prometheus). /metrics stays on the main address, behind the token')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--no-migrate', '--no-migrate', [CompletionResultType]::ParameterName, 'Do not migrate the store at start (a deployment that runs `clauded db migrate` in a job); a schema other than this build''s is then an error')
            [CompletionResult]::new('--allow-unauthenticated', '--allow-unauthenticated', [CompletionResultType]::ParameterName, 'Listen on a non-loopback address without a token')
            [CompletionResult]::new('--allow-local-repos', '--allow-local-repos', [CompletionResultType]::ParameterName, 'Let runs clone local paths and file:// URLs (trusted setups and tests only)')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Add the demo projects and sessions (idempotent)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;db' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s engine, where it is, and which migrations it has')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;db;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;db;migrate' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;db;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The store to read')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The store to write; must be empty unless --force')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace whatever the target holds')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;db;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s engine, where it is, and which migrations it has')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;db;help;status' {
            break
        }
        'clauded;db;help;migrate' {
            break
        }
        'clauded;db;help;copy' {
            break
        }
        'clauded;db;help;help' {
            break
        }
        'clauded;doctor' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds each network check and each MCP server may take')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;service' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install and start the service (system-wide as root, else for this user)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Stop the service and remove its unit (data and the `clauded` user are kept)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Whether the service runs, and whether it answers /health/ready')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;service;install' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'This user''s service (systemd --user; launchd agent on macOS)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system''s service (runs as the `clauded` user; needs root). Linux only')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the unit (or plist) instead of installing it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;service;uninstall' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'This user''s service (systemd --user; launchd agent on macOS)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system''s service (runs as the `clauded` user; needs root). Linux only')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the unit (or plist) instead of installing it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;service;status' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'This user''s service (systemd --user; launchd agent on macOS)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system''s service (runs as the `clauded` user; needs root). Linux only')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the unit (or plist) instead of installing it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;service;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install and start the service (system-wide as root, else for this user)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Stop the service and remove its unit (data and the `clauded` user are kept)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Whether the service runs, and whether it answers /health/ready')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;service;help;install' {
            break
        }
        'clauded;service;help;uninstall' {
            break
        }
        'clauded;service;help;status' {
            break
        }
        'clauded;service;help;help' {
            break
        }
        'clauded;health' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL (default: http://HOST:PORT from the configuration, as `serve` uses it)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port of a local server (overrides PORT)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the answer')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;hook' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('permission-request', 'permission-request', [CompletionResultType]::ParameterValue, 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;hook;permission-request' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The daemon''s base URL (default: http://HOST:PORT from the configuration, as `clauded health` finds it)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the server token from FILE (else CLAUDED_SERVER_TOKEN), sent as a bearer token')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the answer (keep it within the agent''s own hook timeout)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Which agent runs the hook (default: Codex when the input has its `turn_id`, else Claude Code)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;hook;help' {
            [CompletionResult]::new('permission-request', 'permission-request', [CompletionResultType]::ParameterValue, 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;hook;help;permission-request' {
            break
        }
        'clauded;hook;help;help' {
            break
        }
        'clauded;hooks' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;hooks;install' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The daemon''s base URL (default: http://HOST:PORT from the configuration)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds the agent waits for the phone before it asks locally')
            [CompletionResult]::new('--key-env', '--key-env', [CompletionResultType]::ParameterName, 'The variable in Claude Code''s environment whose value the HTTP hook sends as its bearer: the server''s token, or on a server with accounts your own `ck_` key (the approvals are then yours)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'This project''s `./.claude/settings.json` instead of the user''s')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'A command hook (`clauded hook permission-request`) instead of the HTTP hook')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the hook''s settings JSON instead of writing the file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;hooks;uninstall' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'This project''s `./.claude/settings.json` instead of the user''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;hooks;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;hooks;help;install' {
            break
        }
        'clauded;hooks;help;uninstall' {
            break
        }
        'clauded;hooks;help;help' {
            break
        }
        'clauded;auth' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a key (prompted without echo, or one line read from piped stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which key is in use and where it comes from (redacted)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored key')
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;auth;login' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;auth;status' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;auth;logout' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;auth;github' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove the stored token')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;auth;notify' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove the stored token')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;auth;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a key (prompted without echo, or one line read from piped stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which key is in use and where it comes from (redacted)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored key')
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;auth;help;login' {
            break
        }
        'clauded;auth;help;status' {
            break
        }
        'clauded;auth;help;logout' {
            break
        }
        'clauded;auth;help;github' {
            break
        }
        'clauded;auth;help;notify' {
            break
        }
        'clauded;auth;help;help' {
            break
        }
        'clauded;config' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the paths of every file clauded reads or writes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (secrets redacted)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;config;path' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;config;show' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;config;init' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the paths of every file clauded reads or writes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (secrets redacted)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;config;help;path' {
            break
        }
        'clauded;config;help;show' {
            break
        }
        'clauded;config;help;init' {
            break
        }
        'clauded;config;help;help' {
            break
        }
        'clauded;usage' {
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'The last N UTC days, today included (default 30)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'From this UTC day on (YYYY-MM-DD)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every account''s usage, each row with its account')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete an account with its sessions, projects, logins and keys')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set an account''s password (prompted for, or one line of piped stdin)')
            [CompletionResult]::new('admin', 'admin', [CompletionResultType]::ParameterValue, 'Make an account an admin, or with --off no longer one (never the last admin)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'An account''s API keys (`ck_…`, for programs and the iOS app)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;users;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name to show')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Make it an admin')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;list' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;rm' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask (needed when stdin is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;passwd' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;admin' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--off', '--off', [CompletionResultType]::ParameterName, 'Take the admin right away')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;key' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a key and print it, once, alone on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an account''s keys (never the keys themselves)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete one of an account''s keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;users;key;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'What the key is for')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;key;list' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;key;rm' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;users;key;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a key and print it, once, alone on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an account''s keys (never the keys themselves)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete one of an account''s keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;users;key;help;create' {
            break
        }
        'clauded;users;key;help;list' {
            break
        }
        'clauded;users;key;help;rm' {
            break
        }
        'clauded;users;key;help;help' {
            break
        }
        'clauded;users;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete an account with its sessions, projects, logins and keys')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set an account''s password (prompted for, or one line of piped stdin)')
            [CompletionResult]::new('admin', 'admin', [CompletionResultType]::ParameterValue, 'Make an account an admin, or with --off no longer one (never the last admin)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'An account''s API keys (`ck_…`, for programs and the iOS app)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;users;help;add' {
            break
        }
        'clauded;users;help;list' {
            break
        }
        'clauded;users;help;rm' {
            break
        }
        'clauded;users;help;passwd' {
            break
        }
        'clauded;users;help;admin' {
            break
        }
        'clauded;users;help;key' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a key and print it, once, alone on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an account''s keys (never the keys themselves)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete one of an account''s keys')
            break
        }
        'clauded;users;help;key;create' {
            break
        }
        'clauded;users;help;key;list' {
            break
        }
        'clauded;users;help;key;rm' {
            break
        }
        'clauded;users;help;help' {
            break
        }
        'clauded;generate' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for bash, zsh, fish, elvish and PowerShell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: clauded.1 and one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;generate;completions' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;generate;man' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output on stderr (no spinner, no usage lines)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'clauded;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for bash, zsh, fish, elvish and PowerShell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: clauded.1 and one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;generate;help;completions' {
            break
        }
        'clauded;generate;help;man' {
            break
        }
        'clauded;generate;help;help' {
            break
        }
        'clauded;help' {
            [CompletionResult]::new('ask', 'ask', [CompletionResultType]::ParameterValue, 'Ask one question; reads stdin when it is not a terminal')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Have Claude carry out a request on a new git branch, then commit, push, open a PR')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Chat interactively')
            [CompletionResult]::new('sessions', 'sessions', [CompletionResultType]::ParameterValue, 'List, show, delete and export sessions')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List, add and remove projects')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the models the API offers')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Register and use MCP tool servers')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the local API server')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The store: schema status, migrations, copying between SQLite and PostgreSQL')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'Install, remove or check `clauded serve` as a service (systemd or launchd)')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Ask a running server whether it is ready; exit 0 if so, 1 if not')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Run as an agent''s hook: `hook permission-request` asks the daemon''s approval hub')
            [CompletionResult]::new('hooks', 'hooks', [CompletionResultType]::ParameterValue, 'Install or remove clauded''s permission hook in an agent''s settings (Claude Code)')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Store, check or remove the Anthropic API key')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or create the configuration')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Tokens and cost per day, model and source: yours, or with --all every account''s')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Manage the accounts of the server and their API keys (on the store, as its owner)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or the man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'clauded;help;ask' {
            break
        }
        'clauded;help;run' {
            break
        }
        'clauded;help;chat' {
            break
        }
        'clauded;help;sessions' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List sessions, most recent first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a session''s conversation (Claude''s Markdown rendered on a terminal)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search every stored message, newest first')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete a session and its messages')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a session as Markdown or JSON')
            break
        }
        'clauded;help;sessions;list' {
            break
        }
        'clauded;help;sessions;show' {
            break
        }
        'clauded;help;sessions;search' {
            break
        }
        'clauded;help;sessions;rm' {
            break
        }
        'clauded;help;sessions;export' {
            break
        }
        'clauded;help;projects' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List projects')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a project')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a project and its sessions')
            break
        }
        'clauded;help;projects;list' {
            break
        }
        'clauded;help;projects;add' {
            break
        }
        'clauded;help;projects;rm' {
            break
        }
        'clauded;help;models' {
            break
        }
        'clauded;help;mcp' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List registered servers (secret values are never shown)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a server')
            [CompletionResult]::new('tools', 'tools', [CompletionResultType]::ParameterValue, 'Connect and list a server''s tools')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call one tool and print its result')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import the `mcpServers` of a Claude Desktop or Claude Code config file')
            break
        }
        'clauded;help;mcp;add' {
            break
        }
        'clauded;help;mcp;list' {
            break
        }
        'clauded;help;mcp;rm' {
            break
        }
        'clauded;help;mcp;tools' {
            break
        }
        'clauded;help;mcp;call' {
            break
        }
        'clauded;help;mcp;import' {
            break
        }
        'clauded;help;serve' {
            break
        }
        'clauded;help;db' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s engine, where it is, and which migrations it has')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact')
            break
        }
        'clauded;help;db;status' {
            break
        }
        'clauded;help;db;migrate' {
            break
        }
        'clauded;help;db;copy' {
            break
        }
        'clauded;help;doctor' {
            break
        }
        'clauded;help;service' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install and start the service (system-wide as root, else for this user)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Stop the service and remove its unit (data and the `clauded` user are kept)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Whether the service runs, and whether it answers /health/ready')
            break
        }
        'clauded;help;service;install' {
            break
        }
        'clauded;help;service;uninstall' {
            break
        }
        'clauded;help;service;status' {
            break
        }
        'clauded;help;health' {
            break
        }
        'clauded;help;hook' {
            [CompletionResult]::new('permission-request', 'permission-request', [CompletionResultType]::ParameterValue, 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon''s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual')
            break
        }
        'clauded;help;hook;permission-request' {
            break
        }
        'clauded;help;hooks' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add clauded''s PermissionRequest hook to an agent''s settings (merged; idempotent)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove clauded''s PermissionRequest hook from an agent''s settings (nothing else)')
            break
        }
        'clauded;help;hooks;install' {
            break
        }
        'clauded;help;hooks;uninstall' {
            break
        }
        'clauded;help;auth' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a key (prompted without echo, or one line read from piped stdin)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which key is in use and where it comes from (redacted)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the stored key')
            [CompletionResult]::new('github', 'github', [CompletionResultType]::ParameterValue, 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)')
            break
        }
        'clauded;help;auth;login' {
            break
        }
        'clauded;help;auth;status' {
            break
        }
        'clauded;help;auth;logout' {
            break
        }
        'clauded;help;auth;github' {
            break
        }
        'clauded;help;auth;notify' {
            break
        }
        'clauded;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the paths of every file clauded reads or writes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (secrets redacted)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file')
            break
        }
        'clauded;help;config;path' {
            break
        }
        'clauded;help;config;show' {
            break
        }
        'clauded;help;config;init' {
            break
        }
        'clauded;help;usage' {
            break
        }
        'clauded;help;users' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete an account with its sessions, projects, logins and keys')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set an account''s password (prompted for, or one line of piped stdin)')
            [CompletionResult]::new('admin', 'admin', [CompletionResultType]::ParameterValue, 'Make an account an admin, or with --off no longer one (never the last admin)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'An account''s API keys (`ck_…`, for programs and the iOS app)')
            break
        }
        'clauded;help;users;add' {
            break
        }
        'clauded;help;users;list' {
            break
        }
        'clauded;help;users;rm' {
            break
        }
        'clauded;help;users;passwd' {
            break
        }
        'clauded;help;users;admin' {
            break
        }
        'clauded;help;users;key' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a key and print it, once, alone on stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List an account''s keys (never the keys themselves)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete one of an account''s keys')
            break
        }
        'clauded;help;users;key;create' {
            break
        }
        'clauded;help;users;key;list' {
            break
        }
        'clauded;help;users;key;rm' {
            break
        }
        'clauded;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for bash, zsh, fish, elvish and PowerShell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: clauded.1 and one per subcommand')
            break
        }
        'clauded;help;generate;completions' {
            break
        }
        'clauded;help;generate;man' {
            break
        }
        'clauded;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
