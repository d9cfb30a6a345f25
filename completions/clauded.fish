# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_clauded_global_optspecs
    string join \n q/quiet v/verbose env-file= user= h/help V/version
end

function __fish_clauded_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_clauded_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_clauded_using_subcommand
    set -l cmd (__fish_clauded_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c clauded -n "__fish_clauded_needs_command" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_needs_command" -l user -d 'The account the terminal commands act as: they see and make only its sessions and projects (default: the first admin once accounts exist, else the local owner). Given before the command (`clauded --user EMAIL sessions list`): `service install --user` is systemd\'s' -r
complete -c clauded -n "__fish_clauded_needs_command" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_needs_command" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_needs_command" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_needs_command" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "ask" -d 'Ask one question; reads stdin when it is not a terminal'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "run" -d 'Have Claude carry out a request on a new git branch, then commit, push, open a PR'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "chat" -d 'Chat interactively'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "sessions" -d 'List, show, delete and export sessions'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "projects" -d 'List, add and remove projects'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "models" -d 'List the models the API offers'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "mcp" -d 'Register and use MCP tool servers'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "serve" -d 'Run the local API server'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "db" -d 'The store: schema status, migrations, copying between SQLite and PostgreSQL'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "doctor" -d 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "service" -d 'Install, remove or check `clauded serve` as a service (systemd or launchd)'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "health" -d 'Ask a running server whether it is ready; exit 0 if so, 1 if not'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "hook" -d 'Run as an agent\'s hook: `hook permission-request` asks the daemon\'s approval hub'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "hooks" -d 'Install or remove clauded\'s permission hook in an agent\'s settings (Claude Code)'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "auth" -d 'Store, check or remove the Anthropic API key'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "config" -d 'Show or create the configuration'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "usage" -d 'Tokens and cost per day, model and source: yours, or with --all every account\'s'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "users" -d 'Manage the accounts of the server and their API keys (on the store, as its owner)'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "generate" -d 'Write shell completions or the man page'
complete -c clauded -n "__fish_clauded_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s m -l model -d 'Model id (passed through unchecked)' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s s -l system -d 'System prompt' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l max-tokens -d 'Output token limit' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l session -d 'Continue this session (id or unique prefix)' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l mcp -d 'Offer this MCP server\'s tools (repeatable; `filesystem` and `bash` are built in)' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l root -d 'Root of the built-in filesystem and bash servers (default: the current directory)' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l max-turns -d 'Requests to Claude per message, at most (tool calls make more than one)' -r
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s c -l continue -d 'Continue the most recent session'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l no-stream -d 'Wait for the whole answer instead of streaming'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l json -d 'Print NDJSON events instead of text'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l no-save -d 'Do not store the exchange'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l raw -d 'Print the answer as written, without rendering its Markdown (as when stdout is not a terminal, or NO_COLOR is set)'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -l no-memory -d 'Do not send CLAUDE.md and AGENTS.md (of the repository\'s root and this folder)'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s y -l yes -d 'Run every tool call without asking'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand ask" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l repo -d 'Repository to clone: an https URL (with GITHUB_TOKEN), a path, or file:// URL' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -l base -d 'Branch to start from (default: the remote\'s default branch, or the current one)' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -l pr-repo -d 'OWNER/REPO for the pull request when the remote is not a GitHub URL' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -l session -d 'Continue this run\'s session (id or prefix) on its branch' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -s m -l model -d 'Model id' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -l max-turns -d 'Requests to Claude, at most' -r
complete -c clauded -n "__fish_clauded_using_subcommand run" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand run" -l push -d 'Push the branch (with upstream tracking)'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l pr -d 'Open a pull request (implies --push); a draft unless --ready'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l ready -d 'Open the pull request ready for review instead of as a draft'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l no-commit -d 'Leave the changes uncommitted'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l allow-dirty -d 'Commit your uncommitted changes first (separately, under your name) instead of refusing'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l json -d 'Print NDJSON events'
complete -c clauded -n "__fish_clauded_using_subcommand run" -s y -l yes -d 'Run every tool call without asking'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l raw -d 'Print Claude\'s text as written, without rendering its Markdown'
complete -c clauded -n "__fish_clauded_using_subcommand run" -l no-memory -d 'Do not send the repository\'s CLAUDE.md and AGENTS.md with the request'
complete -c clauded -n "__fish_clauded_using_subcommand run" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand run" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand run" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand run" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s r -l resume -d 'Resume this session (id or unique prefix)' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s m -l model -d 'Model id' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s s -l system -d 'System prompt' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l max-tokens -d 'Output token limit' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l mcp -d 'Offer this MCP server\'s tools (repeatable; `filesystem` and `bash` are built in)' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l root -d 'Root of the built-in filesystem and bash servers (default: the current directory)' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l max-turns -d 'Requests to Claude per message, at most (tool calls make more than one)' -r
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s c -l continue -d 'Resume the most recent session'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l raw -d 'Print answers as written, without rendering their Markdown (as when stdout is not a terminal, or NO_COLOR is set)'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -l no-memory -d 'Do not send CLAUDE.md and AGENTS.md (of the repository\'s root and this folder)'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s y -l yes -d 'Run every tool call without asking'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand chat" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "list" -d 'List sessions, most recent first'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "show" -d 'Print a session\'s conversation (Claude\'s Markdown rendered on a terminal)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "search" -d 'Search every stored message, newest first'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "rm" -d 'Delete a session and its messages'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "export" -d 'Export a session as Markdown or JSON'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and not __fish_seen_subcommand_from list show search rm export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s p -l project -d 'Only this project\'s (id, prefix or name)' -r
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s n -l limit -d 'At most this many' -r
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -l raw -d 'Print Claude\'s answers as written, without rendering their Markdown'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -s n -l limit -d 'At most this many hits' -r
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from search" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from rm" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s f -l format -d 'Output format' -r -f -a "md\t'Markdown transcript'
json\t'JSON: the session and its messages'"
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "list" -d 'List sessions, most recent first'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a session\'s conversation (Claude\'s Markdown rendered on a terminal)'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "search" -d 'Search every stored message, newest first'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Delete a session and its messages'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export a session as Markdown or JSON'
complete -c clauded -n "__fish_clauded_using_subcommand sessions; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -f -a "list" -d 'List projects'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -f -a "add" -d 'Add a project'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -f -a "rm" -d 'Remove a project and its sessions'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and not __fish_seen_subcommand_from list add rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s p -l path -d 'A directory it stands for (sessions started inside it join the project)' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s d -l description -d 'A description' -r
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from rm" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "list" -d 'List projects'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a project'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a project and its sessions'
complete -c clauded -n "__fish_clauded_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand models" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand models" -l refresh -d 'Ask the API again instead of using the cached list'
complete -c clauded -n "__fish_clauded_using_subcommand models" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand models" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand models" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand models" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand models" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "add" -d 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "list" -d 'List registered servers (secret values are never shown)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "rm" -d 'Remove a server'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "tools" -d 'Connect and list a server\'s tools'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "call" -d 'Call one tool and print its result'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "import" -d 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and not __fish_seen_subcommand_from add list rm tools call import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -l url -d 'Streamable HTTP endpoint instead of a command' -r
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -l env -d 'Environment for the command, `K=V` (repeatable)' -r
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -l header -d 'Header for the URL, `K:V` (repeatable)' -r
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -l project -d 'Only for this project (id, prefix or name)' -r
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from rm" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from tools" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -l args -d 'Arguments as a JSON object' -r
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -l root -d 'Root for the built-in servers (default: the current directory)' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -l json -d 'Print the result as JSON'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from call" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -l json -d 'Print the report as JSON'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "list" -d 'List registered servers (secret values are never shown)'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a server'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "tools" -d 'Connect and list a server\'s tools'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "call" -d 'Call one tool and print its result'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
complete -c clauded -n "__fish_clauded_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l host -d 'Address to bind (HOST; default 127.0.0.1)' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l port -d 'Port to bind (PORT; default 8000; 0 picks a free one)' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l db -d 'The store: a path, sqlite:// or postgres:// URL (DATABASE_URL)' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l lease-ttl -d 'Seconds a turn\'s or run\'s lease outlives its instance\'s last heartbeat: when an instance dies, another one on the store closes its runs within this time (at least 3)' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l request-log-days -d 'Days each exchange\'s request-log row is kept (0: all); usage per owner, day and model stays. The log is written off the requests\' path, in batches' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l token -d 'Require `Authorization: Bearer TOKEN` (or x-api-key) on every route but /health. On the command line it is visible to other users in `ps`; prefer --token-file or CLAUDED_SERVER_TOKEN' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l token-file -d 'Read the required token from FILE (surrounding whitespace and the newline are dropped)' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l cors-origin -d 'Another allowed CORS origin (repeatable; `*` for any). Loopback origins are always allowed' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l allowed-host -d 'Another `Host` name accepted on a loopback address (repeatable; loopback names always are)' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l metrics-addr -d 'Also serve GET /metrics on this address, without the token (e.g. 127.0.0.1:9100 for a local Prometheus). /metrics stays on the main address, behind the token' -r
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l no-migrate -d 'Do not migrate the store at start (a deployment that runs `clauded db migrate` in a job); a schema other than this build\'s is then an error'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l allow-unauthenticated -d 'Listen on a non-loopback address without a token'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l allow-local-repos -d 'Let runs clone local paths and file:// URLs (trusted setups and tests only)'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -l demo -d 'Add the demo projects and sessions (idempotent)'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand serve" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -f -a "status" -d 'Show the store\'s engine, where it is, and which migrations it has'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -f -a "migrate" -d 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -f -a "copy" -d 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
complete -c clauded -n "__fish_clauded_using_subcommand db; and not __fish_seen_subcommand_from status migrate copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)' -r
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -l db -d 'The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL)' -r
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -l from -d 'The store to read' -r
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -l to -d 'The store to write; must be empty unless --force' -r
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -l force -d 'Replace whatever the target holds'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from copy" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the store\'s engine, where it is, and which migrations it has'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
complete -c clauded -n "__fish_clauded_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -l timeout -d 'Seconds each network check and each MCP server may take' -r
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -l json -d 'Print one JSON document'
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -f -a "install" -d 'Install and start the service (system-wide as root, else for this user)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -f -a "uninstall" -d 'Stop the service and remove its unit (data and the `clauded` user are kept)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -f -a "status" -d 'Whether the service runs, and whether it answers /health/ready'
complete -c clauded -n "__fish_clauded_using_subcommand service; and not __fish_seen_subcommand_from install uninstall status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -l user -d 'This user\'s service (systemd --user; launchd agent on macOS)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -l system -d 'The system\'s service (runs as the `clauded` user; needs root). Linux only'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -l print -d 'Print the unit (or plist) instead of installing it'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -l user -d 'This user\'s service (systemd --user; launchd agent on macOS)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -l system -d 'The system\'s service (runs as the `clauded` user; needs root). Linux only'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -l print -d 'Print the unit (or plist) instead of installing it'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -l user -d 'This user\'s service (systemd --user; launchd agent on macOS)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -l system -d 'The system\'s service (runs as the `clauded` user; needs root). Linux only'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -l print -d 'Print the unit (or plist) instead of installing it'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "install" -d 'Install and start the service (system-wide as root, else for this user)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Stop the service and remove its unit (data and the `clauded` user are kept)'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "status" -d 'Whether the service runs, and whether it answers /health/ready'
complete -c clauded -n "__fish_clauded_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand health" -l url -d 'The server\'s base URL (default: http://HOST:PORT from the configuration, as `serve` uses it)' -r
complete -c clauded -n "__fish_clauded_using_subcommand health" -l port -d 'Port of a local server (overrides PORT)' -r
complete -c clauded -n "__fish_clauded_using_subcommand health" -l timeout -d 'Seconds to wait for the answer' -r
complete -c clauded -n "__fish_clauded_using_subcommand health" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand health" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand health" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand health" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand health" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -f -a "permission-request" -d 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon\'s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and not __fish_seen_subcommand_from permission-request help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -l url -d 'The daemon\'s base URL (default: http://HOST:PORT from the configuration, as `clauded health` finds it)' -r
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -l token-file -d 'Read the server token from FILE (else CLAUDED_SERVER_TOKEN), sent as a bearer token' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -l timeout -d 'Seconds to wait for the answer (keep it within the agent\'s own hook timeout)' -r
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -l source -d 'Which agent runs the hook (default: Codex when the input has its `turn_id`, else Claude Code)' -r -f -a "claude-code\t'Claude Code'
codex\t'OpenAI\'s Codex CLI'"
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from permission-request" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "permission-request" -d 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon\'s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
complete -c clauded -n "__fish_clauded_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "install" -d 'Add clauded\'s PermissionRequest hook to an agent\'s settings (merged; idempotent)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "uninstall" -d 'Remove clauded\'s PermissionRequest hook from an agent\'s settings (nothing else)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l url -d 'The daemon\'s base URL (default: http://HOST:PORT from the configuration)' -r
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l timeout -d 'Seconds the agent waits for the phone before it asks locally' -r
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l key-env -d 'The variable in Claude Code\'s environment whose value the HTTP hook sends as its bearer: the server\'s token, or on a server with accounts your own `ck_` key (the approvals are then yours)' -r
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l project -d 'This project\'s `./.claude/settings.json` instead of the user\'s'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l command -d 'A command hook (`clauded hook permission-request`) instead of the HTTP hook'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -l print -d 'Print the hook\'s settings JSON instead of writing the file'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -l project -d 'This project\'s `./.claude/settings.json` instead of the user\'s'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add clauded\'s PermissionRequest hook to an agent\'s settings (merged; idempotent)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove clauded\'s PermissionRequest hook from an agent\'s settings (nothing else)'
complete -c clauded -n "__fish_clauded_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "login" -d 'Store a key (prompted without echo, or one line read from piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "status" -d 'Say which key is in use and where it comes from (redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "logout" -d 'Remove the stored key'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "github" -d 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "notify" -d 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and not __fish_seen_subcommand_from login status logout github notify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from login" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from login" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from login" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from logout" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -l remove -d 'Remove the stored token'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from github" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -l remove -d 'Remove the stored token'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from notify" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "login" -d 'Store a key (prompted without echo, or one line read from piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "status" -d 'Say which key is in use and where it comes from (redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Remove the stored key'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "github" -d 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "notify" -d 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "path" -d 'Print the paths of every file clauded reads or writes'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "show" -d 'Print the effective configuration and where each value came from (secrets redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "init" -d 'Write a commented config file'
complete -c clauded -n "__fish_clauded_using_subcommand config; and not __fish_seen_subcommand_from path show init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -l force -d 'Overwrite an existing file'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the paths of every file clauded reads or writes'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration and where each value came from (secrets redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented config file'
complete -c clauded -n "__fish_clauded_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -l days -d 'The last N UTC days, today included (default 30)' -r
complete -c clauded -n "__fish_clauded_using_subcommand usage" -l since -d 'From this UTC day on (YYYY-MM-DD)' -r
complete -c clauded -n "__fish_clauded_using_subcommand usage" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand usage" -l all -d 'Every account\'s usage, each row with its account'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand usage" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "add" -d 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "list" -d 'List the accounts'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "rm" -d 'Delete an account with its sessions, projects, logins and keys'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "passwd" -d 'Set an account\'s password (prompted for, or one line of piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "admin" -d 'Make an account an admin, or with --off no longer one (never the last admin)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "key" -d 'An account\'s API keys (`ck_…`, for programs and the iOS app)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and not __fish_seen_subcommand_from add list rm passwd admin key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -l name -d 'A name to show' -r
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -l admin -d 'Make it an admin'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -s y -l yes -d 'Do not ask (needed when stdin is not a terminal)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from passwd" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from passwd" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from passwd" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from passwd" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -l off -d 'Take the admin right away'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from admin" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -f -a "create" -d 'Make a key and print it, once, alone on stdout'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -f -a "list" -d 'List an account\'s keys (never the keys themselves)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -f -a "rm" -d 'Delete one of an account\'s keys'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from key" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the accounts'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Delete an account with its sessions, projects, logins and keys'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Set an account\'s password (prompted for, or one line of piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "admin" -d 'Make an account an admin, or with --off no longer one (never the last admin)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "key" -d 'An account\'s API keys (`ck_…`, for programs and the iOS app)'
complete -c clauded -n "__fish_clauded_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Completions for bash, zsh, fish, elvish and PowerShell'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Man pages: clauded.1 and one per subcommand'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from completions" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from completions" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from man" -l env-file -d 'Read variables from FILE, below the environment. Only `serve` reads ./.env by itself: the other commands run inside repositories that may not be yours' -r -F
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Less output on stderr (no spinner, no usage lines)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from man" -s V -l version -d 'Print version'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Completions for bash, zsh, fish, elvish and PowerShell'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Man pages: clauded.1 and one per subcommand'
complete -c clauded -n "__fish_clauded_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "ask" -d 'Ask one question; reads stdin when it is not a terminal'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "run" -d 'Have Claude carry out a request on a new git branch, then commit, push, open a PR'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "chat" -d 'Chat interactively'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "sessions" -d 'List, show, delete and export sessions'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "projects" -d 'List, add and remove projects'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "models" -d 'List the models the API offers'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "mcp" -d 'Register and use MCP tool servers'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "serve" -d 'Run the local API server'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "db" -d 'The store: schema status, migrations, copying between SQLite and PostgreSQL'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "doctor" -d 'Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "service" -d 'Install, remove or check `clauded serve` as a service (systemd or launchd)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "health" -d 'Ask a running server whether it is ready; exit 0 if so, 1 if not'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "hook" -d 'Run as an agent\'s hook: `hook permission-request` asks the daemon\'s approval hub'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "hooks" -d 'Install or remove clauded\'s permission hook in an agent\'s settings (Claude Code)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "auth" -d 'Store, check or remove the Anthropic API key'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "config" -d 'Show or create the configuration'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "usage" -d 'Tokens and cost per day, model and source: yours, or with --all every account\'s'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "users" -d 'Manage the accounts of the server and their API keys (on the store, as its owner)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "generate" -d 'Write shell completions or the man page'
complete -c clauded -n "__fish_clauded_using_subcommand help; and not __fish_seen_subcommand_from ask run chat sessions projects models mcp serve db doctor service health hook hooks auth config usage users generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "list" -d 'List sessions, most recent first'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "show" -d 'Print a session\'s conversation (Claude\'s Markdown rendered on a terminal)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "search" -d 'Search every stored message, newest first'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "rm" -d 'Delete a session and its messages'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from sessions" -f -a "export" -d 'Export a session as Markdown or JSON'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from projects" -f -a "list" -d 'List projects'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from projects" -f -a "add" -d 'Add a project'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from projects" -f -a "rm" -d 'Remove a project and its sessions'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "add" -d 'Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "list" -d 'List registered servers (secret values are never shown)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "rm" -d 'Remove a server'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "tools" -d 'Connect and list a server\'s tools'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "call" -d 'Call one tool and print its result'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "import" -d 'Import the `mcpServers` of a Claude Desktop or Claude Code config file'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the store\'s engine, where it is, and which migrations it has'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply the migrations this build brings (what `serve` does at start unless --no-migrate); several instances may run it at once'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "copy" -d 'Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "install" -d 'Install and start the service (system-wide as root, else for this user)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "uninstall" -d 'Stop the service and remove its unit (data and the `clauded` user are kept)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "status" -d 'Whether the service runs, and whether it answers /health/ready'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "permission-request" -d 'The PermissionRequest hook: read the hook input on stdin, wait for an answer from the daemon\'s approval hub (the phone), print the decision. No answer, no daemon or bad input: nothing on stdout, exit 0, and the agent asks as usual'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "install" -d 'Add clauded\'s PermissionRequest hook to an agent\'s settings (merged; idempotent)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "uninstall" -d 'Remove clauded\'s PermissionRequest hook from an agent\'s settings (nothing else)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "login" -d 'Store a key (prompted without echo, or one line read from piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "status" -d 'Say which key is in use and where it comes from (redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "logout" -d 'Remove the stored key'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "github" -d 'Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "notify" -d 'Store the bearer token sent with push notices to notify_url (`--remove` deletes it)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the paths of every file clauded reads or writes'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration and where each value came from (secrets redacted)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented config file'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "add" -d 'Add an account; the password is prompted for, or read as one line of piped stdin. The first account is an admin and takes the local sessions and projects'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "list" -d 'List the accounts'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "rm" -d 'Delete an account with its sessions, projects, logins and keys'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "passwd" -d 'Set an account\'s password (prompted for, or one line of piped stdin)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "admin" -d 'Make an account an admin, or with --off no longer one (never the last admin)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "key" -d 'An account\'s API keys (`ck_…`, for programs and the iOS app)'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Completions for bash, zsh, fish, elvish and PowerShell'
complete -c clauded -n "__fish_clauded_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: clauded.1 and one per subcommand'
