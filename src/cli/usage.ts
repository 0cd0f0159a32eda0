// The --help text: every command and flag, with what it does.

export const USAGE = `Usage: blixard-migrations <command> [options]

Watch the migrations of Blixard and KubeVirt clusters and keep their history, and plan and run
bulk migrations, without VS Code.

Commands:
  watch     Print one line per migration phase transition while recording it to the history.
  serve     Watch like watch, and serve the history over HTTP (REST, Server-Sent Events, metrics).
  history   Print migrations from the history.
  plan      Write a migration plan (evacuate a node, rebalance, migrate VMs) to review and run.
  run-plan  Check a plan against its cluster and run it.

watch --db FILE [--kubeconfig FILE]... [--context NAME]... [--blixard NAME=HOST:PORT[,HOST:PORT]]...
  --db FILE              History database (created if missing; a journal FILE.journal sits beside it).
  --kubeconfig FILE      Kubeconfig to watch KubeVirt clusters through (repeatable). Without it,
                         $KUBECONFIG or ~/.kube/config — unless only --blixard clusters are given.
  --context NAME         Kubeconfig context to watch (repeatable; default: every context).
  --blixard NAME=EPS     A Blixard cluster: a name and its comma-separated host:port endpoints,
                         tried in order (repeatable).
  Lines go to stdout, connection changes and warnings to stderr. Ctrl-C (SIGINT) or SIGTERM
  writes everything pending to the history and exits 0.

serve --db FILE [--listen HOST:PORT] [cluster options as for watch] [--token-file FILE]
      [--tls-cert FILE --tls-key FILE] [--read-only] [--insecure] [--rate-limit N]
  --listen HOST:PORT     Where to serve (default 127.0.0.1:8480). Anything but loopback needs
                         TLS and a token, or --insecure.
  --token-file FILE      A bearer token (one line, 16+ characters) every request but /healthz
                         must send: Authorization: Bearer <token>.
  --tls-cert, --tls-key  Serve HTTPS with this certificate and key (PEM).
  --read-only            Watch nothing: serve a history another watch or window writes.
  --rate-limit N         Requests per second per client address (default 50, bursts of 200; 0: none).
  GET /api/v1/migrations[/active|/ID|/vm/NAME|/datacenter/DC] (?limit, cursor, state, cluster,
  since), /api/v1/migrations/watch (SSE), /api/v1/openapi.json, /healthz, /metrics.

history --db FILE [--active | --id ID | --vm NAME | --datacenter DC | --plan ID] [--limit N] [--json]
  --active               Only migrations that have not ended.
  --id ID                One migration, with its phase timeline.
  --vm NAME              Migrations of one VM (any cluster).
  --datacenter DC        Migrations of clusters in one datacenter.
  --plan ID              Migrations one migration plan started (the id run-plan prints).
  --limit N              At most N migrations, newest first (default: all).
  --json                 Print JSON instead of a table.

plan evacuate --node N | rebalance [--threshold X] | migrate --vm A [--vm B]... (--to N | --spread | --any)
     [cluster options as for watch] [--cluster NAME] [--out FILE]
     [--per-cluster N] [--per-source-node N] [--not-before TIME] [--not-after TIME] [--stop-on-failure]
  evacuate --node N      Move every VM off node N to the other nodes that take VMs.
  rebalance              Even out vCPU and memory use; --threshold: the spread (max − min use)
                         it may leave, as 10% or 0.1 (default 10%).
  migrate --vm A         Move these VMs: --to one node, --spread (the planner picks), or
                         --any (the cluster's scheduler picks, where it can).
  --cluster NAME         Which cluster, when the options give more than one.
  --out FILE             Write the plan there (a *.blixard-plan.yaml); default: stdout.
  --per-cluster N        At most N migrations at once in the cluster (default 5).
  --per-source-node N    At most N at once from one node (default 2).
  --not-before TIME      Start nothing before this ISO-8601 time; --not-after: nothing after.
  --stop-on-failure      A failed entry stops the plan (the rest is dropped).
  What cannot move (not live-migratable, pinned, no room, a dependency cycle) is listed, not guessed.

run-plan FILE [--dry-run] [--db FILE] [cluster options as for watch]
  --dry-run              Check the plan and print what would run, in order; start nothing.
  --db FILE              Record the plan's migrations in this history database.
  Prints one line per entry change. Where the plan stands is kept in FILE.state.json: run it
  again after an interruption to resume (nothing is migrated twice); delete that file to run
  the plan afresh. Ctrl-C cancels the migrations in flight and drops the waiting ones.
  Exit codes: 0 every entry succeeded, 1 any failed or was blocked, 2 bad usage or an invalid
  plan (its problems printed as FILE:line:col).

Options:
  -h, --help             Show this help.
  --version              Print the version.

Exit codes: 0 success, 1 failure (e.g. the history cannot be opened), 2 bad usage.
`;
